import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.ts';
import { type LocalSimulators, startLocalSimulators } from '../../simulators/local.ts';
import { type Captured, type CliStack, capture, startCliStack } from '../support/cli.ts';
import { eventually } from '../support/fauxqs.ts';

let running: CliStack | undefined;
let dir: string;
/** The stack's simulators, kept at hand to compare what they issued with what the CLI prints. */
let simulators: LocalSimulators | undefined;
let env: Record<string, string>;

const CLOOPEN_NAME = 'cli-creds@example.com';
const MOBILE = '13900000088';

beforeAll(async () => {
  running = await startCliStack('cli-credentials-', {
    startSimulators: async ({ firstPort }) => {
      simulators = await startLocalSimulators({ firstPort });
      return simulators;
    },
  });
  ({ dir, env } = running);
  const file = join(dir, 'signups.jsonl');
  const { writeFile } = await import('node:fs/promises');
  const requests = [
    {
      schemaVersion: 1,
      requestId: 'creds-1',
      action: 'create',
      platform: 'cloopen',
      tenantId: 'cust_c1',
      profile: { friendlyName: CLOOPEN_NAME },
    },
    {
      schemaVersion: 1,
      requestId: 'creds-2',
      action: 'create',
      platform: 'baijiayun',
      tenantId: 'cust_c1',
      expiresAt: '2027-01-31T00:00:00Z',
      profile: { mobile: MOBILE, email: 'cli-creds@example.com' },
    },
  ];
  await writeFile(file, requests.map((r) => JSON.stringify(r)).join('\n'));
  const sent = capture();
  expect(await runCli(['send', file], env, sent)).toBe(0);
  await eventually(async () => {
    const output = capture();
    await runCli(['list', '--state', 'active', '--json'], env, output);
    return (JSON.parse(output.stdout.join('\n')) as unknown[]).length === 2 ? true : undefined;
  });
});

afterAll(async () => {
  await running?.stop();
});

async function run(
  args: string[],
  output: Captured = capture(),
): Promise<{ code: number; output: Captured }> {
  const code = await runCli(args, env, output);
  return { code, output };
}

describe('provisioner credentials against a running local stack', () => {
  it('prints one JSON document with exactly what Cloopen issued under --reveal --json', async () => {
    // Act
    const { code, output } = await run([
      'credentials',
      '--platform',
      'cloopen',
      '--tenant',
      'cust_c1',
      '--reveal',
      '--json',
    ]);

    // Assess
    const issued = simulators?.cloopen.state.accounts.find((a) => a.friendlyName === CLOOPEN_NAME);
    expect(code).toBe(0);
    expect(output.stderr).toEqual([]);
    expect(JSON.parse(output.stdout.join('\n'))).toEqual({
      platform: 'cloopen',
      tenantId: 'cust_c1',
      subAccountId: issued?.subAccountSid,
      // The platform's own names, as a signup flow looks for them.
      subAccountSid: issued?.subAccountSid,
      voipAccount: issued?.voipAccount,
      subToken: issued?.subToken,
      voipPwd: issued?.voipPwd,
    });
  });

  it('prints exactly what Baijiayun issued, as JSON and as name: value lines', async () => {
    // Act
    const json = await run([
      'credentials',
      '--platform',
      'baijiayun',
      '--tenant',
      'cust_c1',
      '--reveal',
      '--json',
    ]);
    const text = await run(['credentials', '--platform', 'baijiayun', '--tenant', 'cust_c1', '--reveal']);

    // Assess
    const issued = simulators?.baijiayun.state.byMobile(MOBILE);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.output.stdout.join('\n'))).toEqual({
      platform: 'baijiayun',
      tenantId: 'cust_c1',
      subAccountId: String(issued?.partner_id),
      // The platform's own names, as a signup flow looks for them.
      partner_id: String(issued?.partner_id),
      password: issued?.password,
      partner_key: issued?.partner_key,
      secret_key: issued?.secret_key,
    });
    expect(text.code).toBe(0);
    expect(text.output.stdout).toContain(`partner_key: ${issued?.partner_key}`);
    expect(text.output.stdout[0]).toBe('platform: baijiayun');
  });

  it('refuses without --reveal, reads nothing, and says to add it', async () => {
    // Act
    const plain = await run(['credentials', '--platform', 'cloopen', '--tenant', 'cust_c1']);
    const json = await run(['credentials', '--platform', 'cloopen', '--tenant', 'cust_c1', '--json']);

    // Assess
    const issued = simulators?.cloopen.state.accounts.find((a) => a.friendlyName === CLOOPEN_NAME);
    expect(plain.code).not.toBe(0);
    expect(plain.output.stdout).toEqual([]);
    expect(plain.output.stderr.join('\n')).toMatch(/add --reveal/);
    expect(json.code).not.toBe(0);
    expect(JSON.parse(json.output.stdout.join('\n')).error.message).toMatch(/add --reveal/);
    expect(JSON.stringify([plain.output, json.output])).not.toContain(String(issued?.subToken));
  });

  it('warns on standard error when standard output is a terminal', async () => {
    // Prepare
    const terminal: Captured = { ...capture(), stdoutIsTerminal: true };

    // Act
    const { code, output } = await run(
      ['credentials', '--platform', 'cloopen', '--tenant', 'cust_c1', '--reveal'],
      terminal,
    );

    // Assess
    expect(code).toBe(0);
    expect(output.stderr.join('\n')).toMatch(/^warning: printing sub-account credentials to a terminal/);
    expect(output.stdout).toContain('platform: cloopen');
  });

  it('says when the account does not exist, and checks --platform', async () => {
    // Act
    const missing = await run(['credentials', '--platform', 'cloopen', '--tenant', 'nobody', '--reveal']);
    const badPlatform = await run(['credentials', '--platform', 'zoom', '--tenant', 'cust_c1', '--reveal']);

    // Assess
    expect(missing.code).toBe(1);
    expect(missing.output.stderr.join('\n')).toMatch(/No account cloopen\/nobody/);
    expect(badPlatform.code).not.toBe(0);
    expect(badPlatform.output.stderr.join('\n')).toMatch(/--platform must be one of/);
  });
});
