import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';
import { createTables, makeHandler, startSimulators } from '../../local/wiring.ts';
import { type LocalSimulators, startLocalSimulators } from '../../simulators/local.ts';
import { capture } from '../support/cli.ts';
import { eventually } from '../support/fauxqs.ts';

let dir: string;
let simulators: LocalSimulators;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-'));
  simulators = await startLocalSimulators({ seed: 3 });
  // A state file that names no running stack: the platform commands must use these variables only.
  env = { ...simulators.env, PROVISIONER_STATE_FILE: join(dir, 'none.json') };
});

afterAll(async () => {
  await simulators?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('provisioner platform', () => {
  it('shows the Cloopen master account as one JSON document', async () => {
    // Prepare
    const output = capture();

    // Act
    const code = await runCli(['platform', 'cloopen', 'account-info', '--json'], env, output);

    // Assess
    expect(code).toBe(0);
    const info = JSON.parse(output.stdout.join('\n'));
    expect(info).toMatchObject({ platform: 'cloopen', status: 'active' });
  });

  it('lists Cloopen sub-accounts up to --limit, in both wire formats', async () => {
    for (const format of ['json', 'xml']) {
      const output = capture();
      const code = await runCli(
        ['platform', 'cloopen', 'list', '--limit', '2', '--json'],
        { ...env, CLOOPEN_FORMAT: format },
        output,
      );
      expect(code).toBe(0);
      const accounts = JSON.parse(output.stdout.join('\n'));
      expect(accounts.map((a: { naturalKey: string }) => a.naturalKey)).toEqual([
        'sample1@example.com',
        'sample2@example.com',
      ]);
    }
  });

  it('lists Baijiayun sub-accounts as a table and reads one with its credentials redacted', async () => {
    // Prepare
    const listed = capture();
    const seeded = [...simulators.baijiayun.state.accounts.values()][0];

    // Act
    const listCode = await runCli(['platform', 'baijiayun', 'list', '--status', 'all'], env, listed);
    const got = capture();
    const getCode = await runCli(
      ['platform', 'baijiayun', 'get', String(seeded?.partner_id), '--json'],
      env,
      got,
    );

    // Assess
    expect(listCode).toBe(0);
    expect(listed.stdout.join('\n')).toContain(seeded?.mobile ?? '?');
    expect(listed.stderr).toContain('3 sub-account(s)');
    expect(getCode).toBe(0);
    const account = JSON.parse(got.stdout.join('\n'));
    expect(account.credentials).toEqual({
      password: '[REDACTED]',
      partnerKey: '[REDACTED]',
      secretKey: '[REDACTED]',
    });
    expect(got.stdout.join('\n')).not.toContain(seeded?.partner_key ?? '?');
  });

  it("prints the platform's code and message and exits non-zero when the platform refuses", async () => {
    // Prepare
    simulators.cloopen.inject({
      fault: { kind: 'vendor-error', code: '111139', message: '主账户已暂停' },
      operation: 'AccountInfo',
    });
    simulators.cloopen.inject({ fault: { kind: 'vendor-error', code: '111139' }, operation: 'AccountInfo' });
    const text = capture();
    const json = capture();

    // Act
    const textCode = await runCli(['platform', 'cloopen', 'account-info'], env, text);
    const jsonCode = await runCli(['platform', 'cloopen', 'account-info', '--json'], env, json);

    // Assess
    expect(textCode).toBe(1);
    expect(text.stderr.join('\n')).toMatch(/code 111139: 主账户已暂停/);
    expect(jsonCode).toBe(1);
    expect(JSON.parse(json.stdout.join('\n'))).toMatchObject({
      error: { platform: 'cloopen', category: 'account-state', code: '111139' },
    });
  });

  it('names the missing variables when a platform is not configured', async () => {
    const output = capture();
    const code = await runCli(
      ['platform', 'baijiayun', 'list'],
      { PROVISIONER_STATE_FILE: env.PROVISIONER_STATE_FILE },
      output,
    );
    expect(code).toBe(1);
    expect(output.stderr.join('\n')).toMatch(/BAIJIAYUN_BASE_URL is not set/);
    expect(output.stderr.join('\n')).toMatch(/hint: .*npm run simulators/);
  });

  it('refuses a bad --status before calling anything', async () => {
    const output = capture();
    const code = await runCli(['platform', 'baijiayun', 'list', '--status', 'sleeping'], env, output);
    expect(code).toBe(1);
    expect(output.stderr.join('\n')).toMatch(/--status must be all, active or stopped/);
  });
});

describe('provisioner send, status and list against a running local stack', () => {
  let stack: LocalStack;
  let stackEnv: Record<string, string>;

  beforeAll(async () => {
    const stateFile = join(dir, 'stack.json');
    stack = await startLocalStack({
      stateFile,
      createTables,
      startSimulators,
      makeHandler,
      poller: { waitTimeSeconds: 0 },
    });
    stackEnv = { PROVISIONER_STATE_FILE: stateFile };
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('sends the example signups and shows every account active on both platforms', async () => {
    // Prepare
    const examples = fileURLToPath(new URL('../../examples/signups.jsonl', import.meta.url));
    const sent = capture();

    // Act
    const sendCode = await runCli(['send', examples], stackEnv, sent);
    const listed = await eventually(async () => {
      const output = capture();
      await runCli(['list', '--state', 'active', '--json'], stackEnv, output);
      const accounts = JSON.parse(output.stdout.join('\n')) as unknown[];
      return accounts.length === 4 ? accounts : undefined;
    });
    const status = capture();
    const statusCode = await runCli(
      ['status', '--platform', 'baijiayun', '--tenant', 'cust_42', '--json'],
      stackEnv,
      status,
    );

    // Assess
    expect(sendCode).toBe(0);
    expect(sent.stdout.join('\n')).toMatch(/Sent 4 of 4 request\(s\)/);
    expect(listed).toHaveLength(4);
    expect(statusCode).toBe(0);
    const doc = JSON.parse(status.stdout.join('\n'));
    expect(doc.account).toMatchObject({ state: 'active', credentials: '[sealed: aes-256-gcm]' });
    expect(doc.history).toHaveLength(1);
    expect(doc.history[0]).toMatchObject({
      requestId: 'signup-0002',
      status: 'succeeded',
      result: 'created',
    });
  });

  it('sends nothing from a file with a bad line and names the line', async () => {
    // Prepare
    const file = join(dir, 'bad.jsonl');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      file,
      `${JSON.stringify({ schemaVersion: 1, requestId: 'ok-1', action: 'close', platform: 'cloopen', tenantId: 't' })}\n{"schemaVersion":1,"action":"create"}\n`,
    );
    const output = capture();

    // Act
    const code = await runCli(['send', file], stackEnv, output);

    // Assess
    expect(code).toBe(1);
    expect(output.stderr.join('\n')).toMatch(/^line 2: /m);
    expect(output.stderr.join('\n')).toMatch(/nothing was sent/);
  });

  it('says how to start a stack when none is running', async () => {
    const output = capture();
    const code = await runCli(['list'], { PROVISIONER_STATE_FILE: join(dir, 'none.json') }, output);
    expect(code).toBe(1);
    expect(output.stderr.join('\n')).toMatch(/start one with `npm start`/);
  });
});
