import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli/main.ts';
import { capture } from '../support/cli.ts';

let dir: string;
/** Stands in for EC2 instance metadata off AWS: it accepts connections and never answers. */
let metadata: Server;
let metadataConnections: number;
const sockets = new Set<Socket>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-stack-'));
  metadata = createServer((socket) => {
    metadataConnections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => metadata.listen(0, '127.0.0.1', resolve));
  // The SDK loads on first use: load it here, not in a timed test.
  await import('../../cli/target.ts');
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => metadata.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  metadataConnections = 0;
  // The SDK's credential chain reads the process environment itself: make it one with no credentials
  // anywhere, and point instance metadata at the silent server.
  const address = metadata.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  for (const name of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_PROFILE',
    'AWS_DEFAULT_PROFILE',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_ROLE_ARN',
    'AWS_EC2_METADATA_DISABLED',
  ]) {
    vi.stubEnv(name, undefined);
  }
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'no-credentials'));
  vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'no-config'));
  vi.stubEnv('AWS_EC2_METADATA_SERVICE_ENDPOINT', `http://127.0.0.1:${port}`);
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('provisioner --stack', () => {
  it('names the stack, the region and the ways to supply credentials when there are none, quickly', async () => {
    // Prepare: a first run loads the credential providers, which the SDK imports on first use.
    await runCli(
      ['--stack', 'orders-prod', 'list'],
      { PROVISIONER_STATE_FILE: join(dir, 'none.json') },
      capture(),
    );
    const output = capture();
    const started = performance.now();

    // Act
    const code = await runCli(
      ['--stack', 'orders-prod', 'list'],
      { AWS_REGION: 'eu-west-1', PROVISIONER_STATE_FILE: join(dir, 'none.json') },
      output,
    );

    // Assess
    const elapsed = performance.now() - started;
    const text = output.stderr.join('\n');
    expect(code).toBe(1);
    expect(text).toMatch(/^error: No AWS credentials to reach stack orders-prod in eu-west-1/);
    expect(text).toMatch(/AWS_ACCESS_KEY_ID/);
    expect(text).toMatch(/AWS_PROFILE/);
    expect(text).toMatch(/aws sso login/);
    expect(text).not.toMatch(/Could not load credentials from any providers/);
    // The SDK alone waits a second per instance-metadata request (token, then role) on a silent endpoint.
    expect(elapsed).toBeLessThan(1500);
  });

  it('gives the same message as one JSON document with --json', async () => {
    // Prepare
    const output = capture();

    // Act
    const code = await runCli(
      ['--stack', 'orders-prod', 'list', '--json'],
      { AWS_REGION: 'eu-west-1', PROVISIONER_STATE_FILE: join(dir, 'none.json') },
      output,
    );

    // Assess
    expect(code).toBe(1);
    const doc = JSON.parse(output.stdout.join('\n'));
    expect(doc.error.message).toMatch(/^No AWS credentials to reach stack orders-prod in eu-west-1/);
  });

  it('refuses a name CloudFormation would refuse, before looking for credentials', async () => {
    for (const name of ['1-orders', 'orders_prod', `o${'x'.repeat(128)}`]) {
      // Prepare
      const output = capture();

      // Act
      const code = await runCli(
        ['--stack', name, 'list'],
        { PROVISIONER_STATE_FILE: join(dir, 'none.json') },
        output,
      );

      // Assess
      expect(code).toBe(1);
      expect(output.stderr.join('\n')).toMatch(
        /^error: --stack ".*" is not a CloudFormation stack name: it starts with a letter/,
      );
      expect(metadataConnections).toBe(0);
    }
  });

  it('refuses an invalid PROVISIONER_STACK the same way', async () => {
    // Prepare
    const output = capture();

    // Act
    const code = await runCli(
      ['list'],
      { PROVISIONER_STACK: 'orders_prod', PROVISIONER_STATE_FILE: join(dir, 'none.json') },
      output,
    );

    // Assess
    expect(code).toBe(1);
    expect(output.stderr.join('\n')).toMatch(/PROVISIONER_STACK must be a CloudFormation stack name/);
    expect(metadataConnections).toBe(0);
  });
});
