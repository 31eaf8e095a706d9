import { createHash } from 'node:crypto';
import { ChangeMessageVisibilityCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PollerConfigurationError } from '../../local/errors.ts';
import { readBatchResponse, type SqsPoller, startSqsPoller } from '../../local/poller.ts';
import { ensureProvisioningQueues, type ProvisioningQueues } from '../../local/queues.ts';
import { DEFAULT_MAX_CONCURRENCY } from '../../shared/lambda/event-source.ts';
import { drainQueue, eventually, queueDepth, startTestFauxqs, type TestFauxqs } from '../support/fauxqs.ts';

let fauxqs: TestFauxqs;
let queueCounter = 0;
const pollers: SqsPoller[] = [];

beforeAll(async () => {
  fauxqs = await startTestFauxqs();
});

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});

afterAll(async () => {
  await fauxqs.stop();
});

/** A fresh FIFO queue and DLQ; a 1 s visibility timeout keeps redelivery tests quick. */
async function freshQueues(options: { maxReceiveCount?: number; visibilityTimeoutSeconds?: number } = {}) {
  queueCounter += 1;
  return ensureProvisioningQueues(fauxqs.sqs, {
    queueName: `poller-${queueCounter}.fifo`,
    dlqName: `poller-${queueCounter}-dlq.fifo`,
    maxReceiveCount: options.maxReceiveCount ?? 5,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 1,
  });
}

async function send(queueUrl: string, body: string, group: string, attributes = false): Promise<string> {
  const answer = await fauxqs.sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: body,
      MessageGroupId: group,
      MessageDeduplicationId: `${group}-${body}`,
      ...(attributes ? { MessageAttributes: { source: { DataType: 'String', StringValue: 'test' } } } : {}),
    }),
  );
  return answer.MessageId ?? '';
}

type Decision = 'ok' | 'fail';

/** A handler that records every invocation and reports the records `decide` fails. */
function recordingHandler(decide: (record: SQSRecord) => Decision | Promise<Decision> = () => 'ok') {
  const events: SQSEvent[] = [];
  const contexts: Context[] = [];
  const processed: string[] = [];
  const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    events.push(structuredClone(event));
    contexts.push(context);
    const batchItemFailures: { itemIdentifier: string }[] = [];
    for (const record of event.Records) {
      if ((await decide(record)) === 'fail') batchItemFailures.push({ itemIdentifier: record.messageId });
      else processed.push(record.body);
    }
    return { batchItemFailures };
  };
  const deliveries = () => events.flatMap((e) => e.Records);
  return { handler, events, contexts, processed, deliveries };
}

function poll(
  queues: ProvisioningQueues,
  handler: Parameters<typeof startSqsPoller>[0]['handler'],
  extra = {},
) {
  const poller = startSqsPoller({
    sqs: fauxqs.sqs,
    queueUrl: queues.queueUrl,
    handler,
    waitTimeSeconds: 0,
    ...extra,
  });
  pollers.push(poller);
  return poller;
}

describe('readBatchResponse', () => {
  const ids = new Set(['a', 'b']);

  it.each([
    ['nothing', undefined],
    ['null', null],
    ['an empty object', {}],
    ['a null list', { batchItemFailures: null }],
    ['an empty list', { batchItemFailures: [] }],
  ])('reads %s as full success', (_, response) => {
    // Act
    const reading = readBatchResponse(response, ids);

    // Assess
    expect(reading).toEqual({ valid: true, failedIds: new Set() });
  });

  it('reads the listed identifiers as the failed messages', () => {
    // Act
    const reading = readBatchResponse({ batchItemFailures: [{ itemIdentifier: 'b' }] }, ids);

    // Assess
    expect(reading).toEqual({ valid: true, failedIds: new Set(['b']) });
  });

  it.each([
    ['a string', 'ok'],
    ['a list', [{ itemIdentifier: 'a' }]],
    ['a failures value that is no list', { batchItemFailures: 'a' }],
    ['an empty identifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a null identifier', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['a misspelt key', { batchItemFailures: [{ itemIdentifer: 'a' }] }],
    ['an identifier outside the batch', { batchItemFailures: [{ itemIdentifier: 'z' }] }],
  ])('reads %s as a failure of the whole batch', (_, response) => {
    // Act
    const reading = readBatchResponse(response, ids);

    // Assess
    expect(reading.valid).toBe(false);
  });
});

describe('startSqsPoller', () => {
  it('refuses a batch size SQS would refuse', () => {
    // Act
    const start = () =>
      startSqsPoller({ sqs: fauxqs.sqs, queueUrl: 'unused', handler: async () => {}, batchSize: 11 });

    // Assess
    expect(start).toThrow(PollerConfigurationError);
  });

  it('hands the handler the event Lambda would build, then deletes the batch', async () => {
    // Prepare
    const queues = await freshQueues();
    const first = await send(queues.queueUrl, '{"n":1}', 'cloopen:t1', true);
    const second = await send(queues.queueUrl, '{"n":2}', 'cloopen:t2');
    const recorder = recordingHandler();

    // Act
    const poller = poll(queues, recorder.handler, { waitTimeSeconds: 1, functionName: 'provisioner-test' });
    await poller.idle();

    // Assess
    const records = recorder.deliveries();
    expect(records.map((r) => r.messageId).sort()).toEqual([first, second].sort());
    const record = records.find((r) => r.messageId === first);
    expect(record).toMatchObject({
      body: '{"n":1}',
      md5OfBody: createHash('md5').update('{"n":1}').digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: queues.queueArn,
      awsRegion: 'us-east-1',
      messageAttributes: {
        source: { stringValue: 'test', stringListValues: [], binaryListValues: [], dataType: 'String' },
      },
      attributes: {
        ApproximateReceiveCount: '1',
        MessageGroupId: 'cloopen:t1',
        MessageDeduplicationId: 'cloopen:t1-{"n":1}',
      },
    });
    expect(record?.receiptHandle).toEqual(expect.any(String));
    expect(record?.attributes.SentTimestamp).toMatch(/^\d{13}$/);
    expect(record?.attributes.ApproximateFirstReceiveTimestamp).toMatch(/^\d{13}$/);
    expect(record?.attributes.SequenceNumber).toMatch(/^\d+$/);
    expect(record?.attributes.SenderId).toEqual(expect.any(String));
    expect(records.find((r) => r.messageId === second)?.messageAttributes).toEqual({});
    const context = recorder.contexts[0];
    expect(context?.functionName).toBe('provisioner-test');
    expect(context?.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context?.invokedFunctionArn).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:provisioner-test',
    );
    expect(context?.getRemainingTimeInMillis()).toBeGreaterThan(0);
    expect(await queueDepth(fauxqs.sqs, queues.queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(poller.stats.messagesDeleted).toBe(2);
  });

  it('delivers again only the messages the handler reports as failed', async () => {
    // Prepare
    const queues = await freshQueues();
    for (const n of [1, 2, 3]) await send(queues.queueUrl, `m${n}`, `g${n}`);
    const recorder = recordingHandler((r) =>
      r.body === 'm2' && r.attributes.ApproximateReceiveCount === '1' ? 'fail' : 'ok',
    );

    // Act
    const poller = poll(queues, recorder.handler);
    await poller.idle();

    // Assess
    const seen = recorder.deliveries().map((r) => `${r.body}#${r.attributes.ApproximateReceiveCount}`);
    expect(seen.sort()).toEqual(['m1#1', 'm2#1', 'm2#2', 'm3#1']);
    expect(recorder.processed.sort()).toEqual(['m1', 'm2', 'm3']);
    expect(poller.stats.messagesFailed).toBe(1);
  });

  it('delivers the whole batch again when the handler throws', async () => {
    // Prepare
    const queues = await freshQueues();
    await send(queues.queueUrl, 'a', 'g1');
    await send(queues.queueUrl, 'b', 'g2');
    const bodies: string[][] = [];
    const handler = async (event: SQSEvent) => {
      bodies.push(event.Records.map((r) => `${r.body}#${r.attributes.ApproximateReceiveCount}`).sort());
      if (bodies.length === 1) throw new Error('boom');
    };

    // Act
    const poller = poll(queues, handler);
    await poller.idle();

    // Assess
    expect(bodies[0]).toEqual(['a#1', 'b#1']);
    expect(bodies.slice(1).flat().sort()).toEqual(['a#2', 'b#2']);
    expect(poller.stats.handlerErrors).toBe(1);
  });

  it('delivers the whole batch again when the handler names a message outside the batch', async () => {
    // Prepare
    const queues = await freshQueues();
    await send(queues.queueUrl, 'a', 'g1');
    await send(queues.queueUrl, 'b', 'g2');
    const seen: string[] = [];
    const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      seen.push(...event.Records.map((r) => `${r.body}#${r.attributes.ApproximateReceiveCount}`));
      return { batchItemFailures: seen.length <= 2 ? [{ itemIdentifier: 'not-in-this-batch' }] : [] };
    };

    // Act
    const poller = poll(queues, handler);
    await poller.idle();

    // Assess
    expect(seen.sort()).toEqual(['a#1', 'a#2', 'b#1', 'b#2']);
    expect(poller.stats.invalidResponses).toBe(1);
  });

  it('ignores the answer when batch item failures are not reported, as Lambda does without the setting', async () => {
    // Prepare
    const queues = await freshQueues();
    await send(queues.queueUrl, 'a', 'g1');
    const recorder = recordingHandler(() => 'fail');

    // Act
    const poller = poll(queues, recorder.handler, { reportBatchItemFailures: false });
    await poller.idle();

    // Assess
    expect(recorder.deliveries()).toHaveLength(1);
    expect(poller.stats.messagesDeleted).toBe(1);
  });

  it('leaves the visibility the handler set on a failed message alone', async () => {
    // Prepare: a long queue visibility timeout the test could not wait out.
    const queues = await freshQueues({ visibilityTimeoutSeconds: 300 });
    await send(queues.queueUrl, 'retry-me-now', 'g1');
    const recorder = recordingHandler(async (r) => {
      if (r.attributes.ApproximateReceiveCount !== '1') return 'ok';
      await fauxqs.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queues.queueUrl,
          ReceiptHandle: r.receiptHandle,
          VisibilityTimeout: 0,
        }),
      );
      return 'fail';
    });

    // Act
    const poller = poll(queues, recorder.handler);
    await poller.idle();

    // Assess
    expect(recorder.deliveries().map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
    expect(recorder.processed).toEqual(['retry-me-now']);
  });

  it('keeps each message group in order while a failed message waits to be delivered again', async () => {
    // Prepare
    const queues = await freshQueues();
    for (const n of [1, 2, 3, 4]) {
      await send(queues.queueUrl, `A${n}`, 'group-a');
      await send(queues.queueUrl, `B${n}`, 'group-b');
    }
    const recorder = recordingHandler((r) =>
      r.body === 'A2' && r.attributes.ApproximateReceiveCount === '1' ? 'fail' : 'ok',
    );

    // Act
    const poller = poll(queues, recorder.handler, { maxConcurrency: 2 });
    await poller.idle();

    // Assess
    const deliveredA = recorder
      .deliveries()
      .filter((r) => r.body.startsWith('A'))
      .map((r) => r.body);
    expect(deliveredA).toEqual(['A1', 'A2', 'A2', 'A3', 'A4']);
    expect(recorder.processed.filter((b) => b.startsWith('A'))).toEqual(['A1', 'A2', 'A3', 'A4']);
    expect(recorder.processed.filter((b) => b.startsWith('B'))).toEqual(['B1', 'B2', 'B3', 'B4']);
  });

  it('never runs more handler invocations at once than the event source’s maxConcurrency', async () => {
    // Prepare: one message per invocation, three times as many tenants as invocations may run; each
    // invocation waits until the test lets it end, so the ones in flight can be counted.
    const queues = await freshQueues({ visibilityTimeoutSeconds: 300 });
    const total = 3 * DEFAULT_MAX_CONCURRENCY;
    for (let n = 1; n <= total; n += 1) await send(queues.queueUrl, `m${n}`, `tenant-${n}`);
    const waiting: (() => void)[] = [];
    let peak = 0;
    let ended = 0;
    const handler = async () => {
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        peak = Math.max(peak, waiting.length);
      });
      ended += 1;
    };

    // Act: each time every invocation the poller may run is waiting, end the oldest one.
    const poller = poll(queues, handler, { batchSize: 1 });
    while (ended < total) {
      await eventually(
        async () => (waiting.length >= Math.min(DEFAULT_MAX_CONCURRENCY, total - ended) ? true : undefined),
        { what: 'the invocations the poller may run', intervalMs: 10 },
      );
      waiting.shift()?.();
    }
    await poller.idle();

    // Assess: the bound was reached and never exceeded, and every message was handled.
    expect(peak).toBe(DEFAULT_MAX_CONCURRENCY);
    expect(poller.stats.messagesDeleted).toBe(total);
  });

  it('lets the queue move a message that always fails to the DLQ after maxReceiveCount deliveries', async () => {
    // Prepare
    const queues = await freshQueues({ maxReceiveCount: 2, visibilityTimeoutSeconds: 1 });
    const messageId = await send(queues.queueUrl, 'poison', 'g1');
    const receiveCounts: string[] = [];
    const handler = async (event: SQSEvent) => {
      receiveCounts.push(...event.Records.map((r) => r.attributes.ApproximateReceiveCount));
      throw new Error('always fails');
    };

    // Act
    const poller = poll(queues, handler);
    const inDlq = await eventually(
      async () => {
        const messages = await drainQueue(fauxqs.sqs, queues.dlqUrl);
        return messages.length > 0 ? messages : undefined;
      },
      { what: 'the message in the DLQ' },
    );
    await poller.idle();

    // Assess
    expect(inDlq.map((m) => [m.MessageId, m.Body])).toEqual([[messageId, 'poison']]);
    expect(receiveCounts).toEqual(['1', '2']);
    expect(await queueDepth(fauxqs.sqs, queues.queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('counts a handler that outlives its function timeout as failed and delivers its batch again', async () => {
    // Prepare
    const queues = await freshQueues();
    await send(queues.queueUrl, 'slow', 'g1');
    let calls = 0;
    const handler = async () => {
      calls += 1;
      if (calls === 1) await new Promise(() => {});
    };

    // Act
    const poller = poll(queues, handler, { functionTimeoutMs: 200 });
    await poller.idle();

    // Assess
    expect(calls).toBe(2);
    expect(poller.stats.handlerTimeouts).toBe(1);
    expect(poller.stats.messagesDeleted).toBe(1);
  });

  it('finishes the batch in flight before stop() resolves', async () => {
    // Prepare
    const queues = await freshQueues({ visibilityTimeoutSeconds: 300 });
    await send(queues.queueUrl, 'in-flight', 'g1');
    let entered: () => void = () => {};
    const handlerEntered = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let finished = false;
    const handler = async () => {
      entered();
      await gate;
      finished = true;
    };
    const poller = startSqsPoller({
      sqs: fauxqs.sqs,
      queueUrl: queues.queueUrl,
      handler,
      waitTimeSeconds: 0,
    });
    await handlerEntered;

    // Act
    const stopping = poller.stop();
    release();
    await stopping;

    // Assess
    expect(finished).toBe(true);
    expect(await queueDepth(fauxqs.sqs, queues.queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    await expect(poller.idle()).resolves.toBeUndefined();
  });
});
