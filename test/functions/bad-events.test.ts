import { Logger } from '@aws-lambda-powertools/logger';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHandler } from '../../functions/process-provisioning-requests.ts';
import { type SqsPoller, startSqsPoller } from '../../local/poller.ts';
import { ensureProvisioningQueues, type ProvisioningQueues } from '../../local/queues.ts';
import type { ProvisioningRequestInput } from '../../shared/contract.ts';
import type { HistoryEntry } from '../../shared/ports/ledger.ts';
import { type BadEvent, type BadEventBodies, loadBadEvents } from '../support/bad-events.ts';
import { queueDepth } from '../support/fauxqs.ts';
import { startTestPipeline, TEST_MAX_RECEIVE_COUNT, type TestPipeline } from '../support/pipeline.ts';

/**
 * The hostile corpus on the real path: every case that SQS takes goes straight onto the queue (raw
 * SendMessage, past the producer's validation), interleaved in its message group with valid siblings,
 * through the poller, the real handler, the simulators and the ledger. The whole corpus is sent once, in
 * `beforeAll`; each case is then assessed on what the run left behind.
 */

const corpus = loadBadEvents();
const queued = corpus.filter((c) => c.queue === 'accepts');
const refused = corpus.filter((c) => c.queue !== 'accepts');
/** Bad cases per message group; a valid sibling follows every second one, in the same group. */
const GROUP_SIZE = 4;

const tagOf = (c: BadEvent) => `be${c.name.slice(0, c.name.indexOf('-'))}`;

interface Sibling {
  readonly request: ProvisioningRequestInput;
  readonly body: string;
}

function sibling(n: number): Sibling {
  const identity = { schemaVersion: 1, requestId: `sib-${n}`, action: 'create', tenantId: `sib_${n}` };
  const request: ProvisioningRequestInput =
    n % 2 === 0
      ? { ...identity, platform: 'cloopen', profile: { friendlyName: `sib-${n}@example.com` } }
      : {
          ...identity,
          platform: 'baijiayun',
          profile: { mobile: `136${String(n).padStart(8, '0')}`, email: `sib-${n}@example.com` },
        };
  return { request, body: JSON.stringify(request) };
}

/** One message of the run, in sending order. */
interface Sent {
  readonly groupId: string;
  readonly body: string;
  readonly bad?: BadEvent;
  /** The `before` of a case: valid, and expected to succeed like a sibling. */
  readonly before?: BadEvent;
  readonly sibling?: Sibling;
  messageId?: string;
}

let pipeline: TestPipeline;
let queues: ProvisioningQueues;
let poller: SqsPoller;
const plan: Sent[] = [];
const siblings: Sibling[] = [];
const rendered = new Map<string, BadEventBodies>();
/** ApproximateReceiveCount of every delivery the handler was given, by message id. */
const deliveries = new Map<string, number[]>();
/** Message ids the handler answered as batch item failures (to be retried). */
const retried = new Set<string>();
/** What SendMessage answered for the cases the queue refuses; and what the handler made of them. */
const refusals = new Map<string, string>();
const direct = new Map<string, { messageId: string; failures: number }>();
const rejections = new Map<string, HistoryEntry>();
const cloopenCallsBefore = { requests: 0 };

/** The part of Lambda's context the handler reads. */
const context = { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 60_000 } as Context;

function directEvent(messageId: string, body: string): SQSEvent {
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
          MessageGroupId: messageId,
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: queues.queueArn,
        awsRegion: 'us-east-1',
      },
    ],
  };
}

function buildPlan(): void {
  let n = 0;
  queued.forEach((c, i) => {
    const groupId = `g${Math.floor(i / GROUP_SIZE)}`;
    const bodies = c.render(tagOf(c));
    rendered.set(c.name, bodies);
    if (bodies.before !== undefined) plan.push({ groupId, body: bodies.before, before: c });
    plan.push({ groupId, body: bodies.body, bad: c });
    if (i % 2 === 1) {
      const s = sibling(++n);
      siblings.push(s);
      plan.push({ groupId, body: s.body, sibling: s });
    }
  });
}

beforeAll(async () => {
  const started = Date.now();
  pipeline = await startTestPipeline();
  const sqs = pipeline.mq.sqs;
  queues = await ensureProvisioningQueues(sqs, {
    queueName: 'bad-events.fifo',
    dlqName: 'bad-events-dlq.fifo',
    maxReceiveCount: TEST_MAX_RECEIVE_COUNT,
    // Long enough that a slow machine cannot turn one delivery into two.
    visibilityTimeoutSeconds: 30,
  });
  const handler = makeHandler({
    provisioning: pipeline.runtime.provisioning,
    sqs: pipeline.runtime.sqs,
    queueUrl: queues.queueUrl,
    retryBaseSeconds: 1,
    retryMaxSeconds: 1,
    logger: new Logger({ serviceName: 'bad-events-test', logLevel: 'SILENT' }),
  });
  cloopenCallsBefore.requests = pipeline.simulators.cloopen.state.requests.length;

  // Act (for every test below): the corpus and its siblings through the queue, the refused cases direct.
  buildPlan();
  poller = startSqsPoller({
    sqs,
    queueUrl: queues.queueUrl,
    queueArn: queues.queueArn,
    waitTimeSeconds: 1,
    handler: async (event, ctx) => {
      for (const r of event.Records) {
        const counts = deliveries.get(r.messageId) ?? [];
        counts.push(Number(r.attributes.ApproximateReceiveCount));
        deliveries.set(r.messageId, counts);
      }
      const answer = await handler(event, ctx);
      for (const f of answer?.batchItemFailures ?? []) retried.add(f.itemIdentifier);
      return answer;
    },
  });
  for (const [i, sent] of plan.entries()) {
    const answer = await sqs.send(
      new SendMessageCommand({
        QueueUrl: queues.queueUrl,
        MessageBody: sent.body,
        MessageGroupId: sent.groupId,
        MessageDeduplicationId: `m${i}`,
      }),
    );
    sent.messageId = answer.MessageId;
  }
  for (const c of refused) {
    const { body } = c.render(tagOf(c));
    rendered.set(c.name, { body });
    const answer = await sqs
      .send(
        new SendMessageCommand({
          QueueUrl: queues.queueUrl,
          MessageBody: body,
          MessageGroupId: 'refused',
          MessageDeduplicationId: tagOf(c),
        }),
      )
      .then(
        () => 'accepted',
        (error: Error) => error.name,
      );
    refusals.set(c.name, answer);
    const messageId = `direct-${tagOf(c)}`;
    const result = await handler(directEvent(messageId, body), context);
    direct.set(c.name, { messageId, failures: result?.batchItemFailures.length ?? -1 });
  }
  await poller.idle();
  const day = new Date(started).toISOString().slice(0, 10);
  const today = new Date().toISOString().slice(0, 10);
  for await (const r of pipeline.runtime.provisioning.ledger.listRejections(day, today)) {
    if (r.messageId) rejections.set(r.messageId, r);
  }
}, 60_000);

afterAll(async () => {
  await poller?.stop();
  await pipeline?.stop();
});

const messageOf = (c: BadEvent) => plan.find((s) => s.bad === c);

/**
 * Whether a value on a platform names the case: its requestId, tenantId, friendlyName and email carry its
 * tag. (Its Baijiayun mobile is shared by the corpus; that every call names a sibling is checked below.)
 */
const mentions = (c: BadEvent) => {
  const tagged = new RegExp(`bad[-_]${tagOf(c)}(?![0-9])`);
  return (value: string) => tagged.test(value);
};

describe('the hostile corpus (test/fixtures/bad-events)', () => {
  it('holds at least 50 cases covering every category the issue names', () => {
    // Assess
    expect(corpus.length).toBeGreaterThanOrEqual(50);
    expect(new Set(corpus.map((c) => c.category))).toEqual(
      new Set([
        'invalid-json',
        'bom',
        'duplicate-keys',
        'wrong-types',
        'unknown-fields',
        'unknown-actions',
        'unknown-platforms',
        'oversized',
        'control-characters',
        'lone-surrogates',
        'xml-metacharacters',
        'numbers-out-of-range',
        'dates-out-of-range',
        'prototype-pollution',
        'request-id-reused',
      ]),
    );
  });
});

describe.each(queued.map((c) => [c.name, c] as const))('the hostile message %s', (_, c) => {
  it('is rejected on its first delivery with its recorded reason and issue', () => {
    // Prepare
    const sent = messageOf(c);
    const messageId = sent?.messageId ?? '?';

    // Assess
    const rejection = rejections.get(messageId);
    expect(rejection, `no rejection recorded for ${c.name}`).toBeDefined();
    expect(rejection?.status).toBe('rejected');
    expect(rejection?.error).toMatchObject({ reason: c.expect.reason, retryable: false });
    expect(
      rejection?.issues?.some((issue) => c.expect.issue.test(issue)),
      String(rejection?.issues),
    ).toBe(true);
    expect(rejection?.events.map((e) => e.kind)).toEqual(['rejected']);
  });

  it('is deleted after that delivery, not retried', () => {
    // Prepare
    const messageId = messageOf(c)?.messageId ?? '?';

    // Assess
    expect(deliveries.get(messageId)).toEqual([1]);
    expect(retried.has(messageId)).toBe(false);
  });

  it('reaches no platform and makes no account', async () => {
    // Prepare
    const tenantId = `bad_${tagOf(c)}`;
    const ledger = pipeline.runtime.provisioning.ledger;
    const { cloopen, baijiayun } = pipeline.simulators;
    const reused = c.expect.reason === 'request-id-reused';

    // Assess: only the valid first use of a reused requestId made an account, and nothing since.
    const onCloopen = cloopen.state.accounts.filter((a) => mentions(c)(a.friendlyName));
    expect(onCloopen.map((a) => a.friendlyName)).toEqual(reused ? [`bad-${tagOf(c)}@example.com`] : []);
    const baijiayunCalls = baijiayun.calls.filter((call) => Object.values(call.fields).some(mentions(c)));
    expect(baijiayunCalls).toEqual([]);
    expect(await ledger.getAccount({ platform: 'baijiayun', tenantId })).toBeUndefined();
    const account = await ledger.getAccount({ platform: 'cloopen', tenantId });
    if (!reused) expect(account).toBeUndefined();
    else expect(account).toMatchObject({ state: 'active', version: 1, lastRequestId: `bad-${tagOf(c)}` });
  });
});

describe.each(refused.map((c) => [c.name, c] as const))('the hostile message %s', (_, c) => {
  it('is refused by the queue as its case file says, and rejected by the handler were it delivered', () => {
    // Prepare
    const handled = direct.get(c.name);

    // Assess
    // fauxqs names its errors as SQS's query-compatible codes do: `AWS.SimpleQueueService.{code}`.
    expect(refusals.get(c.name)?.replace(/^AWS\.SimpleQueueService\./, '')).toBe(c.sqsError);
    expect(handled?.failures).toBe(0);
    const rejection = rejections.get(handled?.messageId ?? '?');
    expect(rejection?.error).toMatchObject({ reason: c.expect.reason, retryable: false });
    expect(
      rejection?.issues?.some((issue) => c.expect.issue.test(issue)),
      String(rejection?.issues),
    ).toBe(true);
  });
});

describe('the valid siblings of the hostile messages', () => {
  it('all succeed, each on its first delivery', async () => {
    // Prepare
    const valid = plan.filter((s) => s.sibling ?? s.before);

    // Assess
    expect(siblings.length).toBeGreaterThanOrEqual(queued.length / 2 - 1);
    for (const s of valid) {
      const request = JSON.parse(s.body) as ProvisioningRequestInput;
      const history = await pipeline.history({ platform: request.platform, tenantId: request.tenantId });
      const own = history.find((h) => h.requestId === request.requestId && h.status !== 'rejected');
      expect(own, `${request.requestId}`).toMatchObject({ status: 'succeeded', result: 'created' });
      expect(deliveries.get(s.messageId ?? '?')).toEqual([1]);
    }
  });

  it('are the only platform calls of the run', () => {
    // Prepare
    const { cloopen, baijiayun } = pipeline.simulators;
    const valid = plan.filter((s) => s.sibling ?? s.before).map((s) => JSON.parse(s.body));
    const cloopenCreates = valid.filter((r) => r.platform === 'cloopen').length;
    const baijiayunMarks = valid.filter((r) => r.platform === 'baijiayun').map((r) => r.profile.mobile);
    const baijiayunIds = new Set(
      [...baijiayun.state.accounts.values()]
        .filter((a) => baijiayunMarks.includes(a.mobile))
        .map((a) => String(a.partner_id)),
    );

    // Assess: one Cloopen request per valid create; every Baijiayun call names a sibling's account.
    expect(cloopen.state.requests.length - cloopenCallsBefore.requests).toBe(cloopenCreates);
    for (const call of baijiayun.calls) {
      const fields = Object.values(call.fields);
      expect(
        fields.some((v) => baijiayunMarks.includes(v) || baijiayunIds.has(v)),
        JSON.stringify(call),
      ).toBe(true);
    }
  });

  it('leave the queue and the dead-letter queue empty', async () => {
    // Assess
    expect(await queueDepth(pipeline.mq.sqs, queues.queueUrl)).toEqual({
      visible: 0,
      inFlight: 0,
      delayed: 0,
    });
    expect(await queueDepth(pipeline.mq.sqs, queues.dlqUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(retried.size).toBe(0);
  });
});

describe('the prototype-pollution cases', () => {
  it('leave Object.prototype untouched', () => {
    // Prepare
    const plain: Record<string, unknown> = {};

    // Assess
    for (const key of ['polluted', 'isAdmin', 'platform', 'action']) {
      expect(plain[key]).toBeUndefined();
      expect(Object.hasOwn(Object.prototype, key)).toBe(false);
    }
  });
});
