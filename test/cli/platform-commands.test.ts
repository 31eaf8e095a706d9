import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.ts';
import { type BaijiayunSimulator, startBaijiayunSimulator } from '../../simulators/baijiayun/server.ts';
import { capture } from '../support/cli.ts';

const PARTNER_ID = '38000077';
const PARTNER_KEY = 'cli-test-partner-key';

let dir: string;
let sim: BaijiayunSimulator;
let env: (partnerId: string) => Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-platform-'));
  sim = await startBaijiayunSimulator({ partnerId: PARTNER_ID, partnerKey: PARTNER_KEY });
  // A state file that names no running stack: the platform commands use these variables only.
  env = (partnerId) => ({
    BAIJIAYUN_BASE_URL: sim.baseUrl,
    BAIJIAYUN_PARTNER_ID: partnerId,
    BAIJIAYUN_PARTNER_KEY: PARTNER_KEY,
    PROVISIONER_STATE_FILE: join(dir, 'none.json'),
  });
});

afterAll(async () => {
  await sim?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('provisioner platform baijiayun get', () => {
  it('exits non-zero naming the partner id when the partner id is wrong, not "no such sub-account"', async () => {
    // Prepare
    const account = sim.state.add({
      mobile: '13800000001',
      email: 'a@example.com',
      password: 'secret123',
      effect_time: '2024-01-01 00:00:00',
      expire_time: '2099-01-01 00:00:00',
    });
    const text = capture();
    const json = capture();

    // Act
    const textCode = await runCli(
      ['platform', 'baijiayun', 'get', String(account.partner_id)],
      env('99999999'),
      text,
    );
    const jsonCode = await runCli(
      ['platform', 'baijiayun', 'get', String(account.partner_id), '--json'],
      env('99999999'),
      json,
    );

    // Assess
    expect(textCode).not.toBe(0);
    expect(text.stderr.join('\n')).toMatch(/partner_id 99999999/);
    expect(text.stderr.join('\n')).toMatch(/BAIJIAYUN_PARTNER_ID/);
    expect(text.stderr.join('\n')).not.toMatch(/has no sub-account/);
    expect(jsonCode).not.toBe(0);
    expect(JSON.parse(json.stdout.join('\n'))).toMatchObject({
      error: { platform: 'baijiayun', category: 'authentication', code: '2001' },
    });
  });

  it('still says the sub-account does not exist when the partner id is right', async () => {
    // Prepare
    const output = capture();

    // Act
    const code = await runCli(['platform', 'baijiayun', 'get', '11111111'], env(PARTNER_ID), output);

    // Assess
    expect(code).not.toBe(0);
    expect(output.stderr.join('\n')).toMatch(/baijiayun has no sub-account 11111111/);
  });
});
