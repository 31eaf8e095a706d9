import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../shared/lambda/powertools.ts';
import { LOCAL_SIMULATOR_CREDENTIALS } from '../../simulators/local.ts';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.ts';

let pipeline: TestPipeline;
const lines: string[] = [];

beforeAll(async () => {
  // Capture what the Powertools logger writes (INFO and DEBUG to stdout, WARN and ERROR to stderr).
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
  }
  pipeline = await startTestPipeline({
    logger: createLogger({ serviceName: 'provisioner-test', logLevel: 'DEBUG' }),
  });
  pipeline.startPoller();
});

afterAll(async () => {
  vi.restoreAllMocks();
  await pipeline?.stop();
});

describe('the handler logs', () => {
  it('never contain vendor keys or the credentials platforms issue, on success and on failure paths', async () => {
    // Prepare: a create that succeeds, one that fails transiently first, one that fails for good.
    pipeline.simulators.baijiayun.inject({
      fault: { kind: 'http-error', status: 503 },
      operation: 'addSubAccount',
    });
    pipeline.simulators.cloopen.inject({ fault: { kind: 'drop-after-commit' }, operation: 'SubAccounts' });
    const base = { schemaVersion: 1 as const, action: 'create' as const };

    // Act
    await pipeline.send([
      {
        ...base,
        requestId: 'log-1',
        platform: 'baijiayun',
        tenantId: 'log_1',
        profile: { mobile: '13700000001', email: 'log1@example.com', password: 'Chosen-Pass-1' },
      },
      {
        ...base,
        requestId: 'log-2',
        platform: 'cloopen',
        tenantId: 'log_2',
        profile: { friendlyName: 'log2@x.com' },
      },
      {
        ...base,
        requestId: 'log-3',
        platform: 'cloopen',
        tenantId: 'log_3',
        profile: { friendlyName: 'log3@x.com', appId: 'e'.repeat(32) },
      },
    ]);
    await pipeline.until({ platform: 'baijiayun', tenantId: 'log_1' }, (r) => r.state === 'active');
    await pipeline.until({ platform: 'cloopen', tenantId: 'log_2' }, (r) => r.state === 'active');
    await pipeline.until({ platform: 'cloopen', tenantId: 'log_3' }, (r) => r.state === 'failed');

    // Assess: the logs describe what happened…
    const output = lines.join('');
    expect(output).toContain('log-1');
    expect(output).toContain('Request will be retried');
    expect(output).toContain('111181');
    // …and hold none of the secrets involved.
    const bj = pipeline.simulators.baijiayun.state.byMobile('13700000001');
    const cl = pipeline.simulators.cloopen.state.accounts.find((a) => a.friendlyName === 'log2@x.com');
    const secrets = [
      'Chosen-Pass-1',
      bj?.partner_key,
      bj?.secret_key,
      cl?.subToken,
      cl?.voipPwd,
      LOCAL_SIMULATOR_CREDENTIALS.cloopen.authToken,
      LOCAL_SIMULATOR_CREDENTIALS.baijiayun.partnerKey,
      pipeline.env.CREDENTIALS_LOCAL_KEY,
    ];
    for (const value of secrets) {
      expect(value).toBeTruthy();
      expect(output).not.toContain(value);
    }
  });

  it('mask the mobiles and emails of the requests, in outcomes and error messages', async () => {
    // Prepare: a tenant that asks for a mobile another tenant already holds, which is refused by name.
    const profile = { mobile: '13700000099', email: 'log5@example.com', password: 'Chosen-Pass-5' };
    const base = { schemaVersion: 1 as const, action: 'create' as const, platform: 'baijiayun' as const };
    await pipeline.send([{ ...base, requestId: 'log-5', tenantId: 'log_5', profile }]);
    await pipeline.until({ platform: 'baijiayun', tenantId: 'log_5' }, (r) => r.state === 'active');

    // Act
    await pipeline.send([{ ...base, requestId: 'log-6', tenantId: 'log_6', profile }]);
    await vi.waitFor(() => expect(lines.join('')).toMatch(/log-6[^\n]*not applied|not applied[^\n]*log-6/), {
      timeout: 20_000,
      interval: 100,
    });

    // Assess
    const output = lines.join('');
    expect(output).toContain('137****0099');
    for (const plain of [
      '13700000099',
      'log5@example.com',
      '13700000001',
      'log1@example.com',
      'log2@x.com',
    ]) {
      expect(output).not.toContain(plain);
    }
  });
});
