import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handlerDependencies, makeHandler } from '../../functions/process-provisioning-requests.ts';
import { type SqsPoller, startSqsPoller } from '../../local/poller.ts';
import { probeQuarantinedPlatforms } from '../../shared/domain/probe-quarantined-platforms.ts';
import { SqsMessageReleaser } from '../../shared/producer/index.ts';
import { buildRuntimeDependencies, type RuntimeDependencies } from '../../shared/runtime/index.ts';
import { eventually, queueDepth } from '../support/fauxqs.ts';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.ts';

let pipeline: TestPipeline;
let built: RuntimeDependencies;
let poller: SqsPoller;

const QUARANTINE = {
  QUARANTINE_MIN_CALLS: '4',
  QUARANTINE_WINDOW_MS: '60000',
  QUARANTINE_COOL_DOWN_MS: '200',
  QUARANTINE_MAX_COOL_DOWN_MS: '800',
};

beforeAll(async () => {
  pipeline = await startTestPipeline();
  // The real handler with the quarantine on, with short timings.
  built = await buildRuntimeDependencies({ ...pipeline.env, ...QUARANTINE });
  const handler = makeHandler({
    ...handlerDependencies(built),
    logger: new Logger({ serviceName: 'quarantine-test', logLevel: 'SILENT' }),
  });
  poller = startSqsPoller({
    sqs: pipeline.mq.sqs,
    queueUrl: pipeline.queues.queueUrl,
    handler,
    waitTimeSeconds: 1,
  });
});

afterAll(async () => {
  await poller?.stop();
  built?.sqs.destroy();
  await pipeline?.stop();
});

function create(i: number) {
  return {
    schemaVersion: 1,
    requestId: `q-${i}`,
    action: 'create',
    platform: 'baijiayun',
    tenantId: `q_${i}`,
    expiresAt: '2030-01-01T00:00:00Z',
    profile: { mobile: `1370000${String(i).padStart(4, '0')}`, email: `q${i}@example.com` },
  };
}

describe('provider quarantine', () => {
  it('parks a failing platform’s requests instead of burning their deliveries, and resumes them after one probe', async () => {
    // Prepare: Baijiayun answers 503 to every call until further notice.
    const ledger = built.provisioning.ledger;
    pipeline.simulators.baijiayun.inject({ fault: { kind: 'http-error', status: 503 }, times: 100_000 });

    // Act 1: six signups meet the outage.
    await pipeline.send([1, 2, 3, 4, 5, 6].map(create));
    const quarantined = await eventually(() => ledger.getQuarantine('baijiayun'), { what: 'the quarantine' });
    const parked = await eventually(
      async () => {
        const list = await ledger.listParked('baijiayun');
        return list.length === 6 ? list : undefined;
      },
      { what: 'six parked requests', deadlineMs: 20_000 },
    );
    const creates = pipeline.simulators.baijiayun.calls.filter((c) => c.operation === 'addSubAccount').length;
    // Act 2: a probe while the platform still fails, then one after it is back.
    await new Promise((resolve) => setTimeout(resolve, 250));
    const failing = await probeQuarantinedPlatforms(new Date(), probeDeps());
    pipeline.simulators.baijiayun.reset();
    await new Promise((resolve) => setTimeout(resolve, 450));
    const recovered = await probeQuarantinedPlatforms(new Date(), probeDeps());
    const accounts = await eventually(
      async () => {
        const all = await Promise.all(
          [1, 2, 3, 4, 5, 6].map((i) => pipeline.account({ platform: 'baijiayun', tenantId: `q_${i}` })),
        );
        return all.every((a) => a?.state === 'active') ? all : undefined;
      },
      { what: 'six active accounts', deadlineMs: 20_000 },
    );

    // Assess
    expect(quarantined.coolDownMs).toBe(200);
    expect(parked).toHaveLength(6);
    // Each request reached the platform once before the quarantine; none while it lasted.
    expect(creates).toBe(6);
    expect(failing).toEqual([{ platform: 'baijiayun', outcome: 'still-failing', coolDownMs: 400 }]);
    expect(recovered).toEqual([{ platform: 'baijiayun', outcome: 'recovered', released: 6 }]);
    expect(accounts).toHaveLength(6);
    expect(await ledger.getQuarantine('baijiayun')).toBeUndefined();
    expect((await queueDepth(pipeline.mq.sqs, pipeline.queues.dlqUrl)).visible).toBe(0);
  });
});

function probeDeps() {
  // The probe reads the master account through the same platforms the handler uses.
  const { probeSettings } = {
    probeSettings: {
      minCalls: 4,
      windowMs: 60_000,
      failureRatio: 0.5,
      initialCoolDownMs: 200,
      maxCoolDownMs: 800,
    },
  };
  return {
    ledger: built.provisioning.ledger,
    platforms: [...built.provisioning.platforms.values()],
    releaser: new SqsMessageReleaser(pipeline.mq.sqs),
    settings: probeSettings,
  };
}
