import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqsPoller } from '../../local/poller.ts';
import type { ProvisioningRequestInput } from '../../shared/contract.ts';
import { parseOutcomeEvent } from '../../shared/outcomes.ts';
import type { AccountKey } from '../../shared/ports/ledger.ts';
import type { OutcomeEvent, OutcomePublisher } from '../../shared/ports/outcome-publisher.ts';
import { eventually } from '../support/fauxqs.ts';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.ts';

let pipeline: TestPipeline;
let poller: SqsPoller;
let sequence = 0;
/** Request ids whose first publish fails (after the ledger's conclusion), as a crash right there would. */
const failFirstPublish = new Set<string>();
const publishAttempts: string[] = [];

beforeAll(async () => {
  pipeline = await startTestPipeline({
    publisher: (inner: OutcomePublisher): OutcomePublisher => ({
      async publish(event) {
        publishAttempts.push(event.requestId);
        if (failFirstPublish.delete(event.requestId)) throw new Error('EventBridge unreachable (test)');
        await inner.publish(event);
      },
    }),
  });
  poller = pipeline.startPoller();
});

afterAll(async () => {
  await pipeline?.stop();
});

function ids(prefix: string) {
  sequence += 1;
  return { tenantId: `${prefix}_${sequence}`, requestId: `${prefix}-req-${sequence}` };
}

const mobileFor = (n: number) => `139${String(n).padStart(8, '0')}`;

function baijiayunCreate(tenantId: string, requestId: string): ProvisioningRequestInput {
  return {
    schemaVersion: 1,
    requestId,
    action: 'create',
    platform: 'baijiayun',
    tenantId,
    expiresAt: '2027-01-31T00:00:00Z',
    profile: { mobile: mobileFor(sequence), email: `${tenantId}@example.com`, company: 'Example Ltd' },
  };
}

function cloopenCreate(tenantId: string, requestId: string): ProvisioningRequestInput {
  return {
    schemaVersion: 1,
    requestId,
    action: 'create',
    platform: 'cloopen',
    tenantId,
    profile: { friendlyName: `${tenantId}@example.com` },
  };
}

/** The events published for a request, once `count` of them are in (and a moment for any extra one). */
async function eventsOf(requestId: string, count = 1): Promise<OutcomeEvent[]> {
  const found = await eventually(
    async () => {
      const events = (await pipeline.outcomes()).filter((e) => e.requestId === requestId);
      return events.length >= count ? events : undefined;
    },
    { what: `${count} outcome event(s) of ${requestId}` },
  );
  await poller.idle();
  const all = (await pipeline.outcomes()).filter((e) => e.requestId === requestId);
  expect(all).toHaveLength(found.length);
  return all;
}

describe('outcome events on the local stack', () => {
  it('publishes one succeeded event per applied request, with the account it left and nothing else', async () => {
    // Prepare
    const { tenantId, requestId } = ids('ok');
    const key: AccountKey = { platform: 'baijiayun', tenantId };

    // Act
    await pipeline.send([
      baijiayunCreate(tenantId, requestId),
      { schemaVersion: 1, requestId: `${requestId}-s`, action: 'suspend', platform: 'baijiayun', tenantId },
    ]);
    const history = await pipeline.settled(key, 2);

    // Assess
    const record = await pipeline.account(key);
    const created = history.find((h) => h.requestId === requestId);
    const [event] = await eventsOf(requestId);
    expect(event).toEqual({
      schemaVersion: 1,
      requestId,
      action: 'create',
      platform: 'baijiayun',
      tenantId,
      outcome: 'succeeded',
      result: 'created',
      state: 'active',
      version: 1,
      subAccountId: record?.subAccountId,
      error: null,
      occurredAt: created?.finishedAt,
    });
    expect(parseOutcomeEvent(JSON.stringify(event))).toEqual({ ok: true, event });
    const [suspended] = await eventsOf(`${requestId}-s`);
    expect(suspended).toMatchObject({
      outcome: 'succeeded',
      result: 'suspended',
      state: 'suspended',
      version: 2,
    });
  });

  it('publishes one failed event when the platform refuses a create for good', async () => {
    // Prepare
    const { tenantId, requestId } = ids('no');
    pipeline.simulators.cloopen.inject({
      operation: 'SubAccounts',
      fault: { kind: 'vendor-error', code: '123456', message: '未知错误' },
    });

    // Act
    await pipeline.send([cloopenCreate(tenantId, requestId)]);
    await pipeline.settled({ platform: 'cloopen', tenantId });

    // Assess
    const [event] = await eventsOf(requestId);
    expect(event).toMatchObject({
      requestId,
      action: 'create',
      platform: 'cloopen',
      tenantId,
      outcome: 'failed',
      result: null,
      state: 'failed',
      version: 1,
      subAccountId: null,
      error: { reason: 'unknown' },
    });
    expect(parseOutcomeEvent(event).ok).toBe(true);
  });

  it('publishes one rejected event for a request that does not apply, and for a malformed one naming a requestId', async () => {
    // Prepare
    const { tenantId, requestId } = ids('rej');

    // Act
    await pipeline.send([{ schemaVersion: 1, requestId, action: 'resume', platform: 'baijiayun', tenantId }]);
    await pipeline.sendRaw(
      JSON.stringify({
        schemaVersion: 1,
        requestId: `${requestId}-bad`,
        action: 'explode',
        platform: 'cloopen',
        tenantId,
      }),
    );

    // Assess
    const [rejected] = await eventsOf(requestId);
    expect(rejected).toMatchObject({
      outcome: 'rejected',
      action: 'resume',
      result: null,
      state: null,
      version: null,
      subAccountId: null,
      error: { reason: 'not-provisioned' },
    });
    const [malformed] = await eventsOf(`${requestId}-bad`);
    expect(malformed).toMatchObject({
      outcome: 'rejected',
      action: null,
      platform: 'cloopen',
      tenantId,
      error: { reason: 'invalid-request' },
    });
    expect(parseOutcomeEvent(malformed).ok).toBe(true);
  });

  it('republishes the same event when the same request is delivered again', async () => {
    // Prepare
    const { tenantId, requestId } = ids('dup');
    const request = baijiayunCreate(tenantId, requestId);
    await pipeline.send([request]);
    await pipeline.settled({ platform: 'baijiayun', tenantId });
    const [first] = await eventsOf(requestId);

    // Act: a resend after SQS's deduplication window, as a producer might make.
    await pipeline.sendRaw(JSON.stringify(request), { groupId: `baijiayun:${tenantId}` });

    // Assess
    const events = await eventsOf(requestId, 2);
    expect(events).toEqual([first, first]);
    const [entry] = await pipeline.history({ platform: 'baijiayun', tenantId });
    expect(entry?.events.map((e) => e.kind)).toContain('duplicate');
  });

  it('heals a crash between the conclusion and the publish: the redelivery publishes the event', async () => {
    // Prepare: the first publish of this request fails after the ledger concluded it.
    const { tenantId, requestId } = ids('heal');
    failFirstPublish.add(requestId);
    const key: AccountKey = { platform: 'baijiayun', tenantId };

    // Act
    await pipeline.send([baijiayunCreate(tenantId, requestId)]);
    const [event] = await eventsOf(requestId);

    // Assess: one sub-account, one conclusion, two publish attempts, the event the first would have been.
    expect(publishAttempts.filter((r) => r === requestId)).toHaveLength(2);
    const [entry] = await pipeline.settled(key);
    expect(entry?.status).toBe('succeeded');
    expect(entry?.events.map((e) => e.kind)).toEqual(['received', 'succeeded', 'duplicate']);
    expect(event).toMatchObject({ outcome: 'succeeded', result: 'created', state: 'active', version: 1 });
    expect(event?.occurredAt).toBe(entry?.finishedAt);
    expect(pipeline.simulators.baijiayun.state.accounts.size).toBeGreaterThan(0);
  });

  it('carries no credential and no profile in any event', async () => {
    // Prepare: every event published so far, and every account they concern.
    const { tenantId, requestId } = ids('secret');
    await pipeline.send([baijiayunCreate(tenantId, requestId), cloopenCreate(tenantId, `${requestId}-c`)]);
    await eventsOf(requestId);
    await eventsOf(`${requestId}-c`);
    const text = JSON.stringify(await pipeline.outcomes());

    // Assess: against what the simulators issued, and what the ledger sealed.
    const issued: string[] = [];
    for (const account of pipeline.simulators.baijiayun.state.accounts.values()) {
      issued.push(account.partner_key, account.secret_key, account.password, account.mobile);
    }
    for (const account of pipeline.simulators.cloopen.state.accounts) {
      issued.push(account.subToken, account.voipPwd);
    }
    for (const platform of ['baijiayun', 'cloopen'] as const) {
      const record = await pipeline.account({ platform, tenantId });
      if (!record?.credentials) throw new Error(`${platform}/${tenantId} has no credentials`);
      for (const value of Object.values(await pipeline.credentials(record))) issued.push(value.reveal());
    }
    expect(issued.length).toBeGreaterThan(6);
    for (const value of issued.filter((v) => v && v.length >= 6)) expect(text).not.toContain(value);
    expect(text).not.toContain('example.com');
    expect(text).not.toContain('Example Ltd');
  });
});
