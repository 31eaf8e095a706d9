import { createHash } from 'node:crypto';
import {
  BatchRequestTooLong,
  RequestThrottled,
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureProvisioningQueues } from '../../../local/queues.ts';
import type { ProvisioningRequestInput } from '../../../shared/contract.ts';
import type { ProvisioningError } from '../../../shared/domain/errors.ts';
import {
  deduplicationId,
  InvalidProvisioningRequestError,
  messageGroupId,
  PRECEDING_REQUEST_FAILED,
  sendProvisioningRequests,
} from '../../../shared/producer/index.ts';
import { nextBatch } from '../../../shared/producer/producer.ts';
import {
  drainQueue,
  LOCAL_CREDENTIALS,
  queueDepth,
  startTestFauxqs,
  type TestFauxqs,
} from '../../support/fauxqs.ts';

let fauxqs: TestFauxqs;
let queueCounter = 0;

beforeAll(async () => {
  fauxqs = await startTestFauxqs();
});

afterAll(async () => {
  await fauxqs.stop();
});

/** A fresh FIFO queue (with its DLQ) per test, so tests never see each other's messages. */
async function freshQueue(): Promise<string> {
  queueCounter += 1;
  const { queueUrl } = await ensureProvisioningQueues(fauxqs.sqs, {
    queueName: `producer-${queueCounter}.fifo`,
    dlqName: `producer-${queueCounter}-dlq.fifo`,
  });
  return queueUrl;
}

type Script = (input: SendMessageBatchCommandInput, forward: () => Promise<unknown>) => Promise<unknown>;

/**
 * A client of the test fauxqs that records each SendMessageBatch input and lets a test replace the answer
 * of the next calls (a throttling error, per-entry failures) while every other call reaches fauxqs.
 */
function observedClient(scripts: Script[] = []) {
  const sqs = new SQSClient({
    region: fauxqs.region,
    endpoint: fauxqs.endpoint,
    credentials: LOCAL_CREDENTIALS,
  });
  const batches: SendMessageBatchCommandInput[] = [];
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'SendMessageBatchCommand') return next(args);
      const input = structuredClone(args.input as SendMessageBatchCommandInput);
      batches.push(input);
      const script = scripts.shift();
      if (!script) return next(args);
      return (await script(input, () => next(args).then((r) => r.output))) as never;
    },
    { step: 'initialize', name: 'observeBatches' },
  );
  return { sqs, batches };
}

/** Answers as SQS would, with the listed entry ids failed and the rest forwarded to fauxqs. */
function failEntries(failures: Record<string, { code: string; senderFault: boolean }>): Script {
  return async (input) => {
    const failedIds = new Set(Object.keys(failures));
    const rest = (input.Entries ?? []).filter((e) => !failedIds.has(e.Id ?? ''));
    const forwarded = rest.length
      ? await fauxqs.sqs.send(new SendMessageBatchCommand({ ...input, Entries: rest }))
      : { Successful: [], Failed: [] };
    return {
      output: {
        Successful: forwarded.Successful ?? [],
        Failed: [
          ...(forwarded.Failed ?? []),
          ...Object.entries(failures).map(([Id, f]) => ({
            Id,
            Code: f.code,
            Message: `${f.code} for ${Id}`,
            SenderFault: f.senderFault,
          })),
        ],
        $metadata: {},
      },
      response: {},
    };
  };
}

function cloopenCreate(n: number, tenantId = `tenant-${n}`): ProvisioningRequestInput {
  return {
    schemaVersion: 1,
    requestId: `req-${n}`,
    tenantId,
    platform: 'cloopen',
    action: 'create',
    profile: { friendlyName: `user${n}@example.com` },
  };
}

function suspend(n: number, tenantId: string): ProvisioningRequestInput {
  return { schemaVersion: 1, requestId: `req-${n}`, tenantId, platform: 'baijiayun', action: 'suspend' };
}

describe('messageGroupId', () => {
  it('groups by platform and tenant so one tenant is ordered and tenants run in parallel', () => {
    // Act
    const id = messageGroupId({ platform: 'baijiayun', tenantId: 'acme-42' });

    // Assess
    expect(id).toBe('baijiayun:acme-42');
  });

  it('hashes tenant ids that would make the group id longer than SQS allows', () => {
    // Prepare
    const tenantId = 'x'.repeat(128);

    // Act
    const id = messageGroupId({ platform: 'baijiayun', tenantId });

    // Assess
    expect(id).toBe(`baijiayun:sha256:${createHash('sha256').update(tenantId).digest('hex')}`);
    expect(id.length).toBeLessThanOrEqual(128);
  });
});

describe('deduplicationId', () => {
  it('is the same for a resend of the same request and differs between tenants reusing a requestId', () => {
    // Prepare
    const a = { platform: 'cloopen', tenantId: 't1', requestId: 'r1' } as const;

    // Act
    const again = deduplicationId({ ...a });
    const otherTenant = deduplicationId({ ...a, tenantId: 't2' });
    const shifted = deduplicationId({ platform: 'cloopen', tenantId: 't1:r1', requestId: 'x' });

    // Assess
    expect(deduplicationId(a)).toBe(again);
    expect(deduplicationId(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(otherTenant).not.toBe(again);
    expect(shifted).not.toBe(again);
  });
});

describe('nextBatch', () => {
  const entry = (bytes: number, name: string) => ({ bytes, name });

  it('splits on the byte limit as well as the entry count', () => {
    // Prepare
    const queues = new Map([
      ['a', [entry(40, 'a1'), entry(40, 'a2')]],
      ['b', [entry(40, 'b1')]],
    ]);

    // Act
    const first = nextBatch(queues, new Set(), { maxEntries: 10, maxBytes: 100 });
    const second = nextBatch(queues, new Set(), { maxEntries: 10, maxBytes: 100 });

    // Assess
    expect(first?.map((e) => e.name)).toEqual(['a1', 'a2']);
    expect(second?.map((e) => e.name)).toEqual(['b1']);
  });

  it('never takes from a group another batch is still sending', () => {
    // Prepare
    const queues = new Map([
      ['a', [entry(1, 'a1'), entry(1, 'a2')]],
      ['b', [entry(1, 'b1')]],
    ]);
    const busy = new Set<string>();

    // Act
    const first = nextBatch(queues, busy, { maxEntries: 1, maxBytes: 100 });
    const second = nextBatch(queues, busy, { maxEntries: 10, maxBytes: 100 });
    const third = nextBatch(queues, busy, { maxEntries: 10, maxBytes: 100 });

    // Assess
    expect(first?.map((e) => e.name)).toEqual(['a1']);
    expect(second?.map((e) => e.name)).toEqual(['b1']);
    expect(third).toBeUndefined();
    expect(busy).toEqual(new Set(['a', 'b']));
  });
});

describe('sendProvisioningRequests', () => {
  it('sends 25 requests in 3 batches, each message with its group id, deduplication id and body', async () => {
    // Prepare
    const queueUrl = await freshQueue();
    const { sqs, batches } = observedClient();
    const requests = Array.from({ length: 25 }, (_, i) => cloopenCreate(i));

    // Act
    const result = await sendProvisioningRequests(requests, { sqs, queueUrl });

    // Assess
    expect(batches.map((b) => b.Entries?.length)).toEqual([10, 10, 5]);
    expect(result.failed).toEqual([]);
    expect(result.sent.map((s) => s.requestId)).toEqual(requests.map((r) => r.requestId));
    const messages = await drainQueue(fauxqs.sqs, queueUrl);
    expect(messages).toHaveLength(25);
    const byRequest = new Map(messages.map((m) => [JSON.parse(m.Body ?? '{}').requestId as string, m]));
    for (const [i, request] of requests.entries()) {
      const message = byRequest.get(request.requestId);
      expect(JSON.parse(message?.Body ?? '')).toEqual(request);
      expect(message?.Attributes?.MessageGroupId).toBe(`cloopen:tenant-${i}`);
      expect(message?.Attributes?.MessageDeduplicationId).toBe(
        deduplicationId({ platform: 'cloopen', tenantId: `tenant-${i}`, requestId: `req-${i}` }),
      );
      expect(message?.MessageId).toBe(result.sent[i]?.messageId);
    }
    sqs.destroy();
  });

  it('sends nothing and lists every problem with its index when any request is invalid', async () => {
    // Prepare
    const queueUrl = await freshQueue();
    const { sqs, batches } = observedClient();
    const requests: unknown[] = [
      cloopenCreate(0),
      { ...cloopenCreate(1), platform: 'nowhere' },
      cloopenCreate(2),
      { ...cloopenCreate(3), requestId: 'has spaces' },
    ];

    // Act
    const attempt = sendProvisioningRequests(requests, { sqs, queueUrl });

    // Assess
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidProvisioningRequestError);
    expect((error as ProvisioningError).retryable).toBe(false);
    const issues = (error as InvalidProvisioningRequestError).issues;
    expect(issues.some((line) => line.startsWith('1: platform: '))).toBe(true);
    expect(issues.some((line) => line.startsWith('3: requestId: '))).toBe(true);
    expect(issues.every((line) => line.startsWith('1: ') || line.startsWith('3: '))).toBe(true);
    expect((error as Error).message).toContain('2 of 4');
    expect(batches).toEqual([]);
    expect(await queueDepth(fauxqs.sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    sqs.destroy();
  });

  it('refuses a requestId reused for the same tenant with different content, which SQS would drop', async () => {
    // Prepare
    const queueUrl = await freshQueue();
    const first = cloopenCreate(1, 'acme');
    const clash = { ...cloopenCreate(1, 'acme'), profile: { friendlyName: 'other@example.com' } };

    // Act
    const error = await sendProvisioningRequests([first, clash], { sqs: fauxqs.sqs, queueUrl }).catch(
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(InvalidProvisioningRequestError);
    expect((error as InvalidProvisioningRequestError).issues).toEqual([
      '1: requestId: req-1 is already used by request 0 of the same tenant with different content',
    ]);
  });

  it('lets the FIFO queue drop a resend of the same request', async () => {
    // Prepare
    const queueUrl = await freshQueue();
    const request = cloopenCreate(7);
    const first = await sendProvisioningRequests([request], { sqs: fauxqs.sqs, queueUrl });

    // Act
    const again = await sendProvisioningRequests([request], { sqs: fauxqs.sqs, queueUrl });

    // Assess
    expect(again.sent[0]?.messageId).toBe(first.sent[0]?.messageId);
    const messages = await drainQueue(fauxqs.sqs, queueUrl);
    expect(messages.map((m) => m.MessageId)).toEqual([first.sent[0]?.messageId]);
  });

  it('keeps one tenant’s requests in order even when they span several concurrent batches', async () => {
    // Prepare
    const queueUrl = await freshQueue();
    const { sqs, batches } = observedClient();
    const requests = Array.from({ length: 23 }, (_, i) =>
      i % 2 === 0 ? suspend(i, 'one-tenant') : cloopenCreate(i, `other-${i}`),
    );

    // Act
    const result = await sendProvisioningRequests(requests, { sqs, queueUrl, concurrency: 4 });

    // Assess
    expect(result.failed).toEqual([]);
    expect(batches.length).toBeGreaterThan(1);
    const messages = await drainQueue(fauxqs.sqs, queueUrl);
    const tenantOrder = messages
      .filter((m) => m.Attributes?.MessageGroupId === 'baijiayun:one-tenant')
      .map((m) => JSON.parse(m.Body ?? '{}').requestId);
    expect(tenantOrder).toEqual(requests.filter((_, i) => i % 2 === 0).map((r) => r.requestId));
    sqs.destroy();
  });

  it('retries a whole call that was throttled', async () => {
    // Prepare
    const queueUrl = await freshQueue();
    const throttled: Script = async () => {
      throw new RequestThrottled({ $metadata: {}, message: 'Rate exceeded' });
    };
    const { sqs, batches } = observedClient([throttled, throttled]);
    const requests = [cloopenCreate(1), cloopenCreate(2)];

    // Act
    const result = await sendProvisioningRequests(requests, { sqs, queueUrl, retryBaseDelayMs: 1 });

    // Assess
    expect(batches).toHaveLength(3);
    expect(result.sent.map((s) => s.requestId)).toEqual(['req-1', 'req-2']);
    expect(await drainQueue(fauxqs.sqs, queueUrl)).toHaveLength(2);
    sqs.destroy();
  });

  it('retries only the entries SQS failed on its side, then reports what still fails', async () => {
    // Prepare
    const queueUrl = await freshQueue();
    const { sqs, batches } = observedClient([
      failEntries({ r1: { code: 'InternalError', senderFault: false } }),
      failEntries({ r1: { code: 'InternalError', senderFault: false } }),
      failEntries({ r1: { code: 'InternalError', senderFault: false } }),
    ]);
    const requests = [cloopenCreate(0), cloopenCreate(1), cloopenCreate(2)];

    // Act
    const result = await sendProvisioningRequests(requests, {
      sqs,
      queueUrl,
      maxAttempts: 3,
      retryBaseDelayMs: 1,
    });

    // Assess
    expect(batches.map((b) => b.Entries?.map((e) => e.Id))).toEqual([['r0', 'r1', 'r2'], ['r1'], ['r1']]);
    expect(result.sent.map((s) => s.requestId)).toEqual(['req-0', 'req-2']);
    expect(result.failed).toEqual([
      {
        index: 1,
        requestId: 'req-1',
        code: 'InternalError',
        message: 'InternalError for r1',
        senderFault: false,
      },
    ]);
    sqs.destroy();
  });

  it('sends an entry that failed transiently once it gets through', async () => {
    // Prepare
    const queueUrl = await freshQueue();
    const { sqs } = observedClient([failEntries({ r0: { code: 'ServiceUnavailable', senderFault: false } })]);

    // Act
    const result = await sendProvisioningRequests([cloopenCreate(0)], { sqs, queueUrl, retryBaseDelayMs: 1 });

    // Assess
    expect(result.failed).toEqual([]);
    expect(result.sent.map((s) => s.requestId)).toEqual(['req-0']);
    expect(await drainQueue(fauxqs.sqs, queueUrl)).toHaveLength(1);
    sqs.destroy();
  });

  it('does not retry a sender fault and holds back the same tenant’s later requests to keep their order', async () => {
    // Prepare
    const queueUrl = await freshQueue();
    const { sqs, batches } = observedClient([
      failEntries({ r9: { code: 'InvalidParameterValue', senderFault: true } }),
    ]);
    // acme's first ten fill one batch; its eleventh can only follow once that batch is through.
    const requests = [...Array.from({ length: 11 }, (_, i) => suspend(i, 'acme')), cloopenCreate(11)];

    // Act
    const result = await sendProvisioningRequests(requests, { sqs, queueUrl, retryBaseDelayMs: 1 });

    // Assess
    expect(batches.map((b) => b.Entries?.length)).toEqual([10, 1]);
    expect(result.sent.map((s) => s.requestId)).toEqual([
      ...Array.from({ length: 9 }, (_, i) => `req-${i}`),
      'req-11',
    ]);
    expect(result.failed.map((f) => [f.requestId, f.code, f.senderFault])).toEqual([
      ['req-9', 'InvalidParameterValue', true],
      ['req-10', PRECEDING_REQUEST_FAILED, false],
    ]);
    const queued = (await drainQueue(fauxqs.sqs, queueUrl)).map((m) => JSON.parse(m.Body ?? '{}').requestId);
    expect(queued).not.toContain('req-9');
    expect(queued).not.toContain('req-10');
    sqs.destroy();
  });

  it('reports every entry of a call SQS refused outright, without retrying', async () => {
    // Prepare
    const queueUrl = await freshQueue();
    const tooLong: Script = async () => {
      throw new BatchRequestTooLong({
        $metadata: {},
        message: 'Batch requests cannot be longer than 1048576 bytes.',
      });
    };
    const { sqs, batches } = observedClient([tooLong]);

    // Act
    const result = await sendProvisioningRequests([cloopenCreate(0), cloopenCreate(1)], { sqs, queueUrl });

    // Assess
    expect(batches).toHaveLength(1);
    expect(result.sent).toEqual([]);
    expect(result.failed.map((f) => [f.index, f.code, f.senderFault])).toEqual([
      [0, 'BatchRequestTooLong', true],
      [1, 'BatchRequestTooLong', true],
    ]);
    sqs.destroy();
  });

  it('sends characters above U+FFFF as JSON escapes that fauxqs and SQS accept and that parse back unchanged', async () => {
    // Prepare: fauxqs refuses a surrogate pair in a body, though SQS's rule allows #x10000 to #x10FFFF.
    const queueUrl = await freshQueue();
    const { sqs, batches } = observedClient();
    const request: ProvisioningRequestInput = {
      schemaVersion: 1,
      requestId: 'astral-1',
      tenantId: 'astral',
      platform: 'baijiayun',
      action: 'create',
      profile: { mobile: '13800000001', email: 'a@example.com', company: 'Smile 😀 𠮷 Ltd', contacts: '😀' },
    };

    // Act
    const result = await sendProvisioningRequests([request], { sqs, queueUrl });

    // Assess
    expect(result.failed).toEqual([]);
    const body = batches[0]?.Entries?.[0]?.MessageBody ?? '';
    expect(body).toMatch(/^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD]*$/);
    expect(body).toContain('\\ud83d\\ude00');
    expect(JSON.parse('"\\ud83d\\ude00"')).toBe('😀');
    const [message] = await drainQueue(fauxqs.sqs, queueUrl);
    expect(JSON.parse(message?.Body ?? '')).toEqual(request);
    sqs.destroy();
  });

  it('sends nothing and makes no call for an empty list', async () => {
    // Prepare
    const queueUrl = await freshQueue();
    const { sqs, batches } = observedClient();

    // Act
    const result = await sendProvisioningRequests([], { sqs, queueUrl });

    // Assess
    expect(result).toEqual({ sent: [], failed: [] });
    expect(batches).toEqual([]);
    sqs.destroy();
  });
});
