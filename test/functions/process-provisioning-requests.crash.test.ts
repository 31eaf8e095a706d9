import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processEnvironment } from '../../shared/config.ts';
import { eventually } from '../support/fauxqs.ts';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.ts';

let pipeline: TestPipeline;
let worker: ChildProcess | undefined;

beforeAll(async () => {
  pipeline = await startTestPipeline();
});

afterAll(async () => {
  worker?.kill('SIGKILL');
  await pipeline?.stop();
});

async function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const script = fileURLToPath(new URL('../support/handler-worker.ts', import.meta.url));
  const child = spawn(process.execPath, [script], {
    env: { PATH: processEnvironment().PATH, POWERTOOLS_METRICS_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  if (!chunk.toString().includes('ready')) throw new Error(`worker did not start: ${chunk}`);
  return child;
}

describe('a handler killed after the platform created the sub-account', () => {
  it('is retried, finds the sub-account by its mobile and adopts it instead of creating a second', async () => {
    // Prepare: the platform commits the create and then never answers, so the worker is stuck in the call.
    const tenantId = 'crash_1';
    const mobile = '13912345678';
    pipeline.simulators.baijiayun.inject({ fault: { kind: 'commit-then-hang' }, operation: 'addSubAccount' });
    worker = await startWorker({ ...pipeline.env, BAIJIAYUN_TIMEOUT_MS: '60000' });

    // Act 1: the worker takes the request; once the platform holds the account, the worker dies.
    await pipeline.send([
      {
        schemaVersion: 1,
        requestId: 'crash-req-1',
        action: 'create',
        platform: 'baijiayun',
        tenantId,
        profile: { mobile, email: 'crash@example.com' },
      },
    ]);
    await eventually(async () => pipeline.simulators.baijiayun.state.byMobile(mobile), {
      what: 'the commit',
    });
    worker.kill('SIGKILL');
    await once(worker, 'exit');

    // Assess 1: the crash came between the platform's commit and the ledger's record of it: no account
    // yet, only the natural-key claim that marks the create in flight.
    expect(await pipeline.account({ platform: 'baijiayun', tenantId })).toBeUndefined();
    const claim = await pipeline.runtime.provisioning.ledger.claimNaturalKey('baijiayun', mobile, tenantId);
    expect(claim).toEqual({ holder: tenantId, heldBefore: true });

    // Act 2: a fresh consumer picks the message up again once its visibility timeout lapses.
    pipeline.startPoller();
    const record = await pipeline.until({ platform: 'baijiayun', tenantId }, (r) => r.state === 'active');

    // Assess 2: one sub-account, adopted, with the credentials the platform holds.
    const withMobile = [...pipeline.simulators.baijiayun.state.accounts.values()].filter(
      (a) => a.mobile === mobile,
    );
    expect(withMobile).toHaveLength(1);
    // The retry looked before it leapt: no second addSubAccount was even attempted.
    const creates = pipeline.simulators.baijiayun.calls.filter((c) => c.operation === 'addSubAccount');
    expect(creates).toHaveLength(1);
    expect(record.subAccountId).toBe(String(withMobile[0]?.partner_id));
    const [entry] = await pipeline.settled({ platform: 'baijiayun', tenantId });
    expect(entry?.result).toBe('adopted');
    expect(entry?.events.map((e) => e.kind)).toEqual(['redelivered', 'succeeded']);
    const credentials = await pipeline.credentials(record);
    expect(credentials.password?.reveal()).toBe(withMobile[0]?.password);
    expect(credentials.secretKey?.reveal()).toBe(withMobile[0]?.secret_key);
  });
});
