import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChinaDateTime } from '../../shared/platforms/china-time.ts';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.ts';

let pipeline: TestPipeline;

beforeAll(async () => {
  pipeline = await startTestPipeline();
  pipeline.startPoller();
});

afterAll(async () => {
  await pipeline?.stop();
});

const DAY_MS = 86_400_000;

describe('closing a Baijiayun sub-account through the pipeline (fauxqs → handler → simulator → dynalite)', () => {
  it('ends closed, with the sub-account disabled and expired, when its effect_time lies in the future', async () => {
    // Prepare
    const tenantId = 'future_start_1';
    const mobile = '13700000101';
    const base = { schemaVersion: 1 as const, platform: 'baijiayun' as const, tenantId };
    const startsAt = new Date(Date.now() + 30 * DAY_MS);
    await pipeline.send([
      {
        ...base,
        requestId: 'future-start-create',
        action: 'create',
        expiresAt: new Date(Date.now() + 365 * DAY_MS).toISOString(),
        profile: { mobile, email: `${tenantId}@example.com`, effectTime: startsAt.toISOString() },
      },
    ]);
    await pipeline.until({ platform: 'baijiayun', tenantId }, (r) => r.state === 'active', 'created');

    // Act
    await pipeline.send([{ ...base, requestId: 'future-start-close', action: 'close' }]);
    const record = await pipeline.until(
      { platform: 'baijiayun', tenantId },
      (r) => r.state === 'closed',
      'closed',
    );

    // Assess
    const onPlatform = pipeline.simulators.baijiayun.state.byMobile(mobile);
    if (!onPlatform) throw new Error('the sub-account should still be on the platform');
    const effect = parseChinaDateTime(onPlatform.effect_time)?.getTime() ?? Number.NaN;
    const expire = parseChinaDateTime(onPlatform.expire_time)?.getTime() ?? Number.NaN;
    expect(record.state).toBe('closed');
    expect(onPlatform.enabled).toBe(false);
    expect(expire).toBeLessThanOrEqual(Date.now());
    expect(expire).toBeGreaterThan(effect);
    const history = await pipeline.settled({ platform: 'baijiayun', tenantId }, 2);
    expect(history.map((h) => [h.status, h.result])).toEqual([
      ['succeeded', 'created'],
      ['succeeded', 'closed'],
    ]);
  });
});
