import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHandler } from '../../functions/process-provisioning-requests.ts';
import { toSqsRecord } from '../../local/poller.ts';
import { ensureProvisioningQueues } from '../../local/queues.ts';
import type { ProvisioningRequestInput } from '../../shared/contract.ts';
import { drainQueue, eventually, queueDepth } from '../support/fauxqs.ts';
import { startTestPipeline, TEST_MAX_RECEIVE_COUNT, type TestPipeline } from '../support/pipeline.ts';

let pipeline: TestPipeline;
let sequence = 0;

beforeAll(async () => {
  pipeline = await startTestPipeline();
  pipeline.startPoller();
});

afterAll(async () => {
  await pipeline?.stop();
});

/** A fresh tenant and request id per test, so tests share one pipeline without seeing each other. */
function ids(prefix: string) {
  sequence += 1;
  return { tenantId: `${prefix}_${sequence}`, requestId: `${prefix}-req-${sequence}` };
}

function mobileFor(n: number): string {
  return `138${String(n).padStart(8, '0')}`;
}

function cloopenCreate(
  tenantId: string,
  requestId: string,
  name = `${tenantId}@example.com`,
): ProvisioningRequestInput {
  return {
    schemaVersion: 1,
    requestId,
    action: 'create',
    platform: 'cloopen',
    tenantId,
    profile: { friendlyName: name },
  };
}

function baijiayunCreate(tenantId: string, requestId: string, mobile: string): ProvisioningRequestInput {
  return {
    schemaVersion: 1,
    requestId,
    action: 'create',
    platform: 'baijiayun',
    tenantId,
    expiresAt: '2027-01-31T00:00:00Z',
    profile: {
      mobile,
      email: `${tenantId}@example.com`,
      company: '示例公司 & Co',
      products: { largeClass: { enabled: true, userLimit: 50, maxUserLimit: 60, maxSpeakers: 4 } },
      creditMoney: 300,
    },
  };
}

const active = (r: { state: string }) => r.state === 'active';

/** One SQS record as Lambda would hand it over, for invoking a handler directly. */
function syntheticEvent(messageId: string, body: string): SQSEvent {
  return {
    Records: [
      {
        messageId,
        receiptHandle: `rh-${messageId}`,
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '0',
          SenderId: 'test',
          ApproximateFirstReceiveTimestamp: '0',
          MessageGroupId: 'g',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q.fifo',
        awsRegion: 'us-east-1',
      },
    ],
  };
}

/** The part of Lambda's context the handler reads. */
function lambdaContext(remainingMs: number): Context {
  return { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => remainingMs } as Context;
}

/**
 * A FIFO queue of its own (so the running poller does not take its messages), and a way to put one
 * message on it and receive it back as the record Lambda would hand over.
 */
async function ownQueue(name: string) {
  const sqs = pipeline.mq.sqs;
  const queues = await ensureProvisioningQueues(sqs, {
    queueName: `${name}.fifo`,
    dlqName: `${name}-dlq.fifo`,
    visibilityTimeoutSeconds: 120,
  });
  const receive = async (body: string, groupId: string) => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queues.queueUrl,
        MessageBody: body,
        MessageGroupId: groupId,
        MessageDeduplicationId: `${groupId}-${body.length}`,
      }),
    );
    const answer = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queues.queueUrl, MessageSystemAttributeNames: ['All'] }),
    );
    const message = answer.Messages?.[0];
    if (!message) throw new Error('nothing received');
    return toSqsRecord(message, queues.queueArn, 'us-east-1');
  };
  return { sqs, queues, receive };
}

describe('the provisioning pipeline (fauxqs → handler → simulators → dynalite)', () => {
  it('creates a Cloopen sub-account and records it with sealed credentials', async () => {
    // Prepare
    const { tenantId, requestId } = ids('cl');

    // Act
    await pipeline.send([cloopenCreate(tenantId, requestId)]);
    const record = await pipeline.until({ platform: 'cloopen', tenantId }, active);

    // Assess
    const onPlatform = pipeline.simulators.cloopen.state.accounts.filter(
      (a) => a.friendlyName === `${tenantId}@example.com`,
    );
    expect(onPlatform).toHaveLength(1);
    expect(record.subAccountId).toBe(onPlatform[0]?.subAccountSid);
    const credentials = await pipeline.credentials(record);
    expect(credentials.subToken?.reveal()).toBe(onPlatform[0]?.subToken);
    expect(JSON.stringify(record)).not.toContain(onPlatform[0]?.subToken);
    const history = await pipeline.settled({ platform: 'cloopen', tenantId }, 1);
    expect(history.map((h) => [h.requestId, h.status, h.result])).toEqual([
      [requestId, 'succeeded', 'created'],
    ]);
  });

  it('creates a Baijiayun sub-account with its product lines, expiry and generated password', async () => {
    // Prepare
    const { tenantId, requestId } = ids('bj');
    const mobile = mobileFor(sequence);

    // Act
    await pipeline.send([baijiayunCreate(tenantId, requestId, mobile)]);
    const record = await pipeline.until({ platform: 'baijiayun', tenantId }, active);

    // Assess
    const onPlatform = pipeline.simulators.baijiayun.state.byMobile(mobile);
    expect(onPlatform?.large_class_status).toBe(1);
    expect(onPlatform?.large_class_user_limit).toBe(50);
    expect(onPlatform?.credit_money).toBe(300);
    expect(onPlatform?.company).toBe('示例公司 & Co');
    expect(onPlatform?.expire_time).toBe('2027-01-31 08:00:00');
    expect(record.subAccountId).toBe(String(onPlatform?.partner_id));
    expect(record.expiresAt).toBe('2027-01-31T00:00:00.000Z');
    const credentials = await pipeline.credentials(record);
    expect(credentials.password?.reveal()).toBe(onPlatform?.password);
    expect(onPlatform?.password).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(credentials.partnerKey?.reveal()).toBe(onPlatform?.partner_key);
    expect(JSON.stringify(record.profile)).not.toContain(onPlatform?.password ?? '?');
  });

  it('reads the keys again when the read right after a Baijiayun create failed, and records them all', async () => {
    // Prepare: every attempt of the create's follow-up getAccountInfo fails (reads are retried twice).
    const { tenantId, requestId } = ids('keys');
    const mobile = mobileFor(sequence);
    pipeline.simulators.baijiayun.inject({
      fault: { kind: 'http-error', status: 503 },
      operation: 'getAccountInfo',
      times: 3,
    });

    // Act
    await pipeline.send([baijiayunCreate(tenantId, requestId, mobile)]);
    const record = await pipeline.until({ platform: 'baijiayun', tenantId }, active);

    // Assess
    const onPlatform = pipeline.simulators.baijiayun.state.byMobile(mobile);
    const credentials = await pipeline.credentials(record);
    expect(credentials.partnerKey?.reveal()).toBe(onPlatform?.partner_key);
    expect(credentials.secretKey?.reveal()).toBe(onPlatform?.secret_key);
    expect(credentials.password?.reveal()).toBe(onPlatform?.password);
    const [entry] = await pipeline.settled({ platform: 'baijiayun', tenantId });
    expect(entry?.result).toBe('created');
  });

  it('treats a duplicate delivery of the same requestId as a no-op with the same outcome', async () => {
    // Prepare
    const { tenantId, requestId } = ids('dup');
    const body = JSON.stringify(cloopenCreate(tenantId, requestId));

    // Act: the same message delivered twice (distinct deduplication ids defeat SQS's own dedup window).
    await pipeline.sendRaw(body, { groupId: `cloopen:${tenantId}`, deduplicationId: `${requestId}-a` });
    await pipeline.sendRaw(body, { groupId: `cloopen:${tenantId}`, deduplicationId: `${requestId}-b` });
    await pipeline.until({ platform: 'cloopen', tenantId }, active);
    const [entry] = await eventually(async () => {
      const history = await pipeline.history({ platform: 'cloopen', tenantId });
      return history[0]?.events.some((e) => e.kind === 'duplicate') ? history : undefined;
    });

    // Assess: one sub-account, one request, its outcome unchanged, the second delivery noted.
    const named = pipeline.simulators.cloopen.state.accounts.filter(
      (a) => a.friendlyName === `${tenantId}@example.com`,
    );
    expect(named).toHaveLength(1);
    expect(entry).toMatchObject({ requestId, status: 'succeeded', result: 'created' });
    expect(entry?.events.map((e) => e.kind)).toEqual(['received', 'succeeded', 'duplicate']);
    expect((await pipeline.history({ platform: 'cloopen', tenantId })).length).toBe(1);
  });

  it('rejects a reused requestId that carries another action instead of dropping or applying it', async () => {
    // Prepare
    const { tenantId, requestId } = ids('reuse');
    await pipeline.send([cloopenCreate(tenantId, requestId)]);
    await pipeline.until({ platform: 'cloopen', tenantId }, active);

    // Act
    const close = { schemaVersion: 1, requestId, action: 'close', platform: 'cloopen', tenantId };
    await pipeline.sendRaw(JSON.stringify(close), { groupId: `cloopen:${tenantId}` });
    const history = await eventually(async () => {
      const h = await pipeline.history({ platform: 'cloopen', tenantId });
      return h.length === 2 ? h : undefined;
    });

    // Assess
    expect(history[1]).toMatchObject({
      status: 'rejected',
      action: 'close',
      error: { reason: 'request-id-reused' },
    });
    expect((await pipeline.account({ platform: 'cloopen', tenantId }))?.state).toBe('active');
  });

  it('refuses to give a second tenant the friendlyName another tenant holds, instead of adopting its sub-account', async () => {
    // Prepare
    const first = ids('owner');
    const second = ids('intruder');
    const name = `${first.tenantId}@shared.example.com`;
    await pipeline.send([cloopenCreate(first.tenantId, first.requestId, name)]);
    await pipeline.until({ platform: 'cloopen', tenantId: first.tenantId }, active);

    // Act
    await pipeline.send([cloopenCreate(second.tenantId, second.requestId, name)]);
    const [entry] = await eventually(async () => {
      const h = await pipeline.history({ platform: 'cloopen', tenantId: second.tenantId });
      return h[0]?.status === 'rejected' ? h : undefined;
    });

    // Assess
    expect(entry?.error).toMatchObject({ reason: 'natural-key-taken' });
    expect(entry?.error?.message).toContain(first.tenantId);
    expect(await pipeline.account({ platform: 'cloopen', tenantId: second.tenantId })).toBeUndefined();
    expect(pipeline.simulators.cloopen.state.accounts.filter((a) => a.friendlyName === name)).toHaveLength(1);
  });

  it('rejects a reused requestId whose payload differs even when the action is the same', async () => {
    // Prepare
    const { tenantId, requestId } = ids('reuse2');
    await pipeline.send([cloopenCreate(tenantId, requestId)]);
    await pipeline.until({ platform: 'cloopen', tenantId }, active);

    // Act
    const other = cloopenCreate(tenantId, requestId, `${tenantId}-other@example.com`);
    await pipeline.sendRaw(JSON.stringify(other), { groupId: `cloopen:${tenantId}` });
    const history = await eventually(async () => {
      const h = await pipeline.history({ platform: 'cloopen', tenantId });
      return h.length === 2 ? h : undefined;
    });

    // Assess
    expect(history[1]).toMatchObject({ status: 'rejected', error: { reason: 'request-id-reused' } });
    const named = pipeline.simulators.cloopen.state.accounts.filter((a) =>
      a.friendlyName.startsWith(`${tenantId}-other`),
    );
    expect(named).toHaveLength(0);
  });

  it('does not create a second sub-account for a second create with a new requestId', async () => {
    // Prepare
    const { tenantId, requestId } = ids('again');
    const mobile = mobileFor(sequence);
    await pipeline.send([baijiayunCreate(tenantId, requestId, mobile)]);
    await pipeline.until({ platform: 'baijiayun', tenantId }, active);

    // Act
    await pipeline.send([baijiayunCreate(tenantId, `${requestId}-second`, mobile)]);
    const history = await eventually(async () => {
      const h = await pipeline.history({ platform: 'baijiayun', tenantId });
      return h.length === 2 && h.every((e) => e.status !== 'in-progress') ? h : undefined;
    });

    // Assess
    expect(history.map((h) => h.result)).toEqual(['created', 'already-provisioned']);
    const withMobile = [...pipeline.simulators.baijiayun.state.accounts.values()].filter(
      (a) => a.mobile === mobile,
    );
    expect(withMobile).toHaveLength(1);
  });

  it('adopts the sub-account when the platform committed a create but the answer was lost', async () => {
    // Prepare
    const { tenantId, requestId } = ids('lost');
    const mobile = mobileFor(sequence);
    pipeline.simulators.baijiayun.inject({
      fault: { kind: 'drop-after-commit' },
      operation: 'addSubAccount',
    });

    // Act
    await pipeline.send([baijiayunCreate(tenantId, requestId, mobile)]);
    const record = await pipeline.until({ platform: 'baijiayun', tenantId }, active);

    // Assess
    const withMobile = [...pipeline.simulators.baijiayun.state.accounts.values()].filter(
      (a) => a.mobile === mobile,
    );
    expect(withMobile).toHaveLength(1);
    expect(record.subAccountId).toBe(String(withMobile[0]?.partner_id));
    const [entry] = await pipeline.settled({ platform: 'baijiayun', tenantId }, 1);
    expect(entry?.result).toBe('adopted');
    expect(entry?.events.map((e) => e.kind)).toEqual([
      'received',
      'attempt-failed',
      'redelivered',
      'succeeded',
    ]);
    const credentials = await pipeline.credentials(record);
    expect(credentials.password?.reveal()).toBe(withMobile[0]?.password);
  });

  it('adopts a Cloopen sub-account whose create answer was lost, through QuerySubAccountByName', async () => {
    // Prepare
    const { tenantId, requestId } = ids('lostcl');
    pipeline.simulators.cloopen.inject({ fault: { kind: 'drop-after-commit' }, operation: 'SubAccounts' });

    // Act
    await pipeline.send([cloopenCreate(tenantId, requestId)]);
    const record = await pipeline.until({ platform: 'cloopen', tenantId }, active);

    // Assess
    const named = pipeline.simulators.cloopen.state.accounts.filter(
      (a) => a.friendlyName === `${tenantId}@example.com`,
    );
    expect(named).toHaveLength(1);
    expect(record.subAccountId).toBe(named[0]?.subAccountSid);
    expect((await pipeline.credentials(record)).subToken?.reveal()).toBe(named[0]?.subToken);
  });

  it('retries a transient failure with backoff and then succeeds', async () => {
    // Prepare
    const { tenantId, requestId } = ids('flaky');
    pipeline.simulators.cloopen.inject({
      fault: { kind: 'http-error', status: 503 },
      operation: 'SubAccounts',
    });

    // Act
    await pipeline.send([cloopenCreate(tenantId, requestId)]);
    await pipeline.until({ platform: 'cloopen', tenantId }, active);

    // Assess
    const [entry] = await pipeline.settled({ platform: 'cloopen', tenantId }, 1);
    const failed = entry?.events.find((e) => e.kind === 'attempt-failed');
    expect(failed?.error).toMatchObject({ reason: 'server', code: 'HTTP 503', retryable: true });
    expect(entry?.status).toBe('succeeded');
  });

  it('records a permanent failure once, marks the account failed, and does not retry it', async () => {
    // Prepare: an app id the platform does not know (111181 is permanent).
    const { tenantId, requestId } = ids('perm');
    const request = cloopenCreate(tenantId, requestId);
    const withUnknownApp = {
      ...request,
      profile: { friendlyName: `${tenantId}@example.com`, appId: 'f'.repeat(32) },
    };

    // Act
    await pipeline.send([withUnknownApp as ProvisioningRequestInput]);
    const record = await pipeline.until({ platform: 'cloopen', tenantId }, (r) => r.state === 'failed');

    // Assess
    expect(record.lastError).toMatchObject({ code: '111181', retryable: false });
    // Nothing was created under the name, so the claim on it is given up.
    const ledger = pipeline.runtime.provisioning.ledger;
    expect(await ledger.claimNaturalKey('cloopen', `${tenantId}@example.com`, 'someone_else')).toEqual({
      holder: 'someone_else',
      heldBefore: false,
    });
    const [entry] = await pipeline.settled({ platform: 'cloopen', tenantId }, 1);
    expect(entry?.status).toBe('failed');
    expect(entry?.events.filter((e) => e.kind === 'received' || e.kind === 'redelivered')).toHaveLength(1);
  });

  it('acknowledges malformed messages with a recorded reason while their batch siblings succeed', async () => {
    // Prepare
    const { tenantId, requestId } = ids('mixed');
    const good = cloopenCreate(tenantId, requestId);
    const group = `cloopen:${tenantId}`;
    const bad = [
      'this is not json',
      JSON.stringify({ ...good, requestId: `${requestId}-p`, platform: 'twilio' }),
      JSON.stringify({ ...good, requestId: `${requestId}-a`, action: 'delete' }),
      JSON.stringify({ ...good, requestId: `${requestId}-m`, profile: {} }),
      JSON.stringify({ ...good, requestId: `${requestId}-t`, profile: { friendlyName: 42 } }),
      JSON.stringify({ ...good, requestId: `${requestId}-o`, padding: 'x'.repeat(20_000) }),
    ];

    // Act: bad messages first in the same group, so a poisoned batch would block the good one.
    for (const body of bad) await pipeline.sendRaw(body, { groupId: group });
    await pipeline.sendRaw(JSON.stringify(good), { groupId: group });
    await pipeline.until({ platform: 'cloopen', tenantId }, active);

    // Assess: the attributable rejections are in the account's history with reasons, none retried.
    const history = await eventually(async () => {
      const h = await pipeline.history({ platform: 'cloopen', tenantId });
      return h.length >= 4 ? h : undefined;
    });
    const rejected = history.filter((h) => h.status === 'rejected');
    expect(rejected.map((h) => h.issues?.join(' '))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/action/),
        expect.stringMatching(/profile\.friendlyName/),
      ]),
    );
    expect(rejected.every((h) => h.error?.reason === 'invalid-request')).toBe(true);
    const today = new Date().toISOString().slice(0, 10);
    const unattributed = await pipeline.runtime.provisioning.ledger.listUnattributedRejections(today);
    expect(unattributed.map((h) => h.issues?.join(' '))).toEqual(
      expect.arrayContaining([
        'body: not valid JSON',
        expect.stringMatching(/over the 16384-byte limit/),
        expect.stringMatching(/platform/),
      ]),
    );
    const dlq = await drainQueue(pipeline.mq.sqs, pipeline.queues.dlqUrl);
    expect(dlq).toHaveLength(0);
  });

  it('suspends, resumes and closes a Baijiayun sub-account in order', async () => {
    // Prepare
    const { tenantId, requestId } = ids('life');
    const mobile = mobileFor(sequence);
    const base = { schemaVersion: 1 as const, platform: 'baijiayun' as const, tenantId };

    // Act: all in one go; FIFO order per tenant makes them apply in sequence.
    await pipeline.send([
      baijiayunCreate(tenantId, requestId, mobile),
      { ...base, requestId: `${requestId}-s`, action: 'suspend' },
      { ...base, requestId: `${requestId}-r`, action: 'resume' },
      {
        ...base,
        requestId: `${requestId}-u`,
        action: 'update',
        profile: { contacts: '韩梅梅', creditMoney: 900 },
      },
      { ...base, requestId: `${requestId}-c`, action: 'close' },
    ]);
    const record = await pipeline.until({ platform: 'baijiayun', tenantId }, (r) => r.state === 'closed');

    // Assess
    const onPlatform = pipeline.simulators.baijiayun.state.byMobile(mobile);
    expect(onPlatform?.enabled).toBe(false);
    expect(onPlatform?.contacts).toBe('韩梅梅');
    expect(onPlatform?.credit_money).toBe(900);
    expect(record.profile).toMatchObject({ contacts: '韩梅梅', creditMoney: 900 });
    const history = await pipeline.settled({ platform: 'baijiayun', tenantId }, 5);
    expect(history.map((h) => h.result)).toEqual(['created', 'suspended', 'active', 'updated', 'closed']);
  });

  it('records a Cloopen close whose answer was dropped after commit as closed, once the retry meets the closed sub-account', async () => {
    // Prepare
    const { tenantId, requestId } = ids('clshut');
    await pipeline.send([cloopenCreate(tenantId, requestId)]);
    const created = await pipeline.until({ platform: 'cloopen', tenantId }, active);
    pipeline.simulators.cloopen.inject({
      fault: { kind: 'drop-after-commit' },
      operation: 'CloseSubAccount',
    });

    // Act
    await pipeline.send([
      { schemaVersion: 1, requestId: `${requestId}-c`, action: 'close', platform: 'cloopen', tenantId },
    ]);
    const closed = await pipeline.until({ platform: 'cloopen', tenantId }, (r) => r.state === 'closed');

    // Assess
    const onPlatform = pipeline.simulators.cloopen.state.accounts.find(
      (a) => a.subAccountSid === created.subAccountId,
    );
    expect(onPlatform?.status).toBe('closed');
    expect(closed).toMatchObject({ subAccountId: created.subAccountId, version: created.version + 1 });
    const close = (await pipeline.settled({ platform: 'cloopen', tenantId }, 2)).find(
      (h) => h.requestId === `${requestId}-c`,
    );
    expect(close).toMatchObject({ status: 'succeeded', result: 'closed' });
    expect(close?.events.map((e) => e.kind)).toEqual([
      'received',
      'attempt-failed',
      'redelivered',
      'succeeded',
    ]);
  });

  it('fails a create for the friendlyName of a closed Cloopen sub-account for good, never adopting it', async () => {
    // Prepare
    const { tenantId, requestId } = ids('clgone');
    const name = `${tenantId}@example.com`;
    const closedOne = pipeline.simulators.cloopen.seed(name);
    closedOne.status = 'closed';

    // Act
    await pipeline.send([cloopenCreate(tenantId, requestId, name)]);
    const record = await pipeline.until({ platform: 'cloopen', tenantId }, (r) => r.state === 'failed');

    // Assess
    expect(record.lastError).toMatchObject({ reason: 'closed', code: '111156', retryable: false });
    const [entry] = await pipeline.settled({ platform: 'cloopen', tenantId }, 1);
    expect(entry?.status).toBe('failed');
    expect(entry?.events.filter((e) => e.kind === 'received' || e.kind === 'redelivered')).toHaveLength(1);
    expect(pipeline.simulators.cloopen.state.accounts.filter((a) => a.friendlyName === name)).toHaveLength(1);
  });

  it('rejects suspend on Cloopen as unsupported, never as a silent no-op, and closes for real', async () => {
    // Prepare
    const { tenantId, requestId } = ids('clsus');
    const base = { schemaVersion: 1 as const, platform: 'cloopen' as const, tenantId };
    await pipeline.send([cloopenCreate(tenantId, requestId)]);
    const created = await pipeline.until({ platform: 'cloopen', tenantId }, active);

    // Act
    await pipeline.send([
      { ...base, requestId: `${requestId}-s`, action: 'suspend' },
      { ...base, requestId: `${requestId}-c`, action: 'close' },
    ]);
    await pipeline.until({ platform: 'cloopen', tenantId }, (r) => r.state === 'closed');

    // Assess
    const history = await pipeline.settled({ platform: 'cloopen', tenantId }, 3);
    const suspend = history.find((h) => h.requestId === `${requestId}-s`);
    expect(suspend).toMatchObject({ status: 'rejected', error: { reason: 'unsupported' } });
    const onPlatform = pipeline.simulators.cloopen.state.accounts.find(
      (a) => a.subAccountSid === created.subAccountId,
    );
    expect(onPlatform?.status).toBe('closed');
  });

  it('moves a message that keeps failing to the DLQ and says so in the history', async () => {
    // Prepare
    const { tenantId, requestId } = ids('dlq');
    pipeline.simulators.baijiayun.inject({
      fault: { kind: 'http-error', status: 502 },
      operation: 'addSubAccount',
      times: TEST_MAX_RECEIVE_COUNT,
    });

    // Act
    await pipeline.send([baijiayunCreate(tenantId, requestId, mobileFor(sequence))]);
    const dead = await eventually(async () => {
      const messages = await drainQueue(pipeline.mq.sqs, pipeline.queues.dlqUrl);
      return messages.length > 0 ? messages : undefined;
    });

    // Assess
    expect(JSON.parse(dead[0]?.Body ?? '{}').requestId).toBe(requestId);
    const [entry] = await pipeline.history({ platform: 'baijiayun', tenantId });
    expect(entry?.status).toBe('in-progress');
    expect(entry?.events.at(-1)?.detail).toMatch(/moves to the dead-letter queue/);
    expect((await pipeline.account({ platform: 'baijiayun', tenantId }))?.state).toBe('pending');

    // Act 2: a suspend sent while the create waits in the DLQ
    await pipeline.send([
      { schemaVersion: 1, requestId: `${requestId}-s`, action: 'suspend', platform: 'baijiayun', tenantId },
    ]);
    const waiting = await eventually(async () => {
      const h = await pipeline.history({ platform: 'baijiayun', tenantId });
      const suspend = h.find((e) => e.requestId === `${requestId}-s`);
      return suspend?.events.some((e) => e.kind === 'attempt-failed') ? suspend : undefined;
    });

    // Assess 2: it waits behind the create (retried, then the DLQ) instead of being rejected for good.
    expect(waiting.status).toBe('in-progress');
    expect(waiting.events.find((e) => e.kind === 'attempt-failed')?.error).toMatchObject({
      reason: 'waiting-for-create',
      retryable: true,
    });
  });
});

describe('makeHandler', () => {
  it('retries building its dependencies after a failed cold start instead of failing forever', async () => {
    // Prepare: the first build fails (say the vendor secret is not filled in yet), later ones work.
    let builds = 0;
    const handler = makeHandler(async () => {
      builds += 1;
      if (builds === 1) throw new Error('VENDOR_SECRET_ARN secret is empty');
      return { provisioning: pipeline.runtime.provisioning };
    });
    const event = (id: string) => syntheticEvent(id, 'not json');
    const context = lambdaContext(30_000);

    // Act
    const first = await handler(event('cold-1'), context);
    const second = await handler(event('cold-2'), context);

    // Assess
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'cold-1' }]);
    expect(second.batchItemFailures).toEqual([]);
    expect(builds).toBe(2);
  });
});

describe('a failed message with later messages of its group in the same batch', () => {
  it('stays hidden for its backoff while the skipped ones are released to wait behind it', async () => {
    // Prepare
    const { sqs, queues, receive } = await ownQueue('skip-test');
    const handler = makeHandler({
      provisioning: pipeline.runtime.provisioning,
      sqs,
      queueUrl: queues.queueUrl,
      retryBaseSeconds: 120,
      retryMaxSeconds: 120,
    });
    const { tenantId, requestId } = ids('skip');
    const close = {
      schemaVersion: 1,
      requestId: `${requestId}-c`,
      action: 'close',
      platform: 'cloopen',
      tenantId,
    };
    // fauxqs hands out one message per group per receive, where SQS (and so Lambda) may batch several:
    // the close goes under another group id to be received at once, and is relabelled as the create's
    // group in the event, as Lambda would deliver it.
    const head = await receive(JSON.stringify(cloopenCreate(tenantId, requestId)), `cloopen:${tenantId}`);
    const next = await receive(JSON.stringify(close), 'other-group');
    const records = [
      head,
      { ...next, attributes: { ...next.attributes, MessageGroupId: `cloopen:${tenantId}` } },
    ];
    pipeline.simulators.cloopen.inject({
      fault: { kind: 'http-error', status: 503 },
      operation: 'SubAccounts',
    });

    // Act
    const response = await handler({ Records: records }, lambdaContext(30_000));

    // Assess: both go back to the queue, the head hidden for its backoff, the close visible at once.
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(records.map((r) => r.messageId));
    const depth = await queueDepth(sqs, queues.queueUrl);
    expect(depth).toMatchObject({ visible: 1, inFlight: 1 });
  });
});

describe('the time budget of an invocation', () => {
  it('leaves records untried, and visible again, when too little of the invocation is left', async () => {
    // Prepare
    const { sqs, queues, receive } = await ownQueue('budget-test');
    const handler = makeHandler({
      provisioning: pipeline.runtime.provisioning,
      sqs,
      queueUrl: queues.queueUrl,
      recordTimeBudgetMs: 45_000,
    });
    const { tenantId, requestId } = ids('budget');
    const records = [
      await receive(JSON.stringify(cloopenCreate(tenantId, requestId)), `cloopen:${tenantId}`),
    ];
    const context = lambdaContext(10_000);

    // Act
    const response = await handler({ Records: records }, context);

    // Assess: reported failed, never started (no history), and back on the queue at once.
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(records.map((r) => r.messageId));
    expect(await pipeline.history({ platform: 'cloopen', tenantId })).toEqual([]);
    expect(await queueDepth(sqs, queues.queueUrl)).toMatchObject({ visible: 1, inFlight: 0 });
  });
});

describe('makeHandler with a dependency factory and a refresh age', () => {
  it('rebuilds its dependencies when they are older than the refresh age, keeping the old ones if that fails', async () => {
    // Prepare
    let builds = 0;
    const handler = makeHandler(
      async () => {
        builds += 1;
        if (builds === 3) throw new Error('secret unreadable for a moment');
        return { provisioning: pipeline.runtime.provisioning };
      },
      { refreshAfterMs: 0 },
    );
    const context = lambdaContext(30_000);
    const event = (id: string) => syntheticEvent(id, '[]');

    // Act
    const answers = [];
    for (const id of ['refresh-1', 'refresh-2', 'refresh-3']) answers.push(await handler(event(id), context));

    // Assess: three builds tried, the failed third one fell back to the second set, nothing failed.
    expect(builds).toBe(3);
    expect(answers.map((a) => a.batchItemFailures)).toEqual([[], [], []]);
  });
});
