import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fifoBatchHandler } from '../../../shared/lambda/fifo-batch.ts';
import { releaseSkippedMessages } from '../../../shared/lambda/release-skipped.ts';
import {
  type BackoffTarget,
  backoffSeconds,
  visibilityBackoff,
} from '../../../shared/lambda/visibility-backoff.ts';
import { startTestFauxqs, type TestFauxqs } from '../../support/fauxqs.ts';
import {
  lambdaContext,
  silentLogger,
  type TestFifoQueue,
  testFifoQueue,
} from '../../support/lambda-queue.ts';

/** The queue's own visibility timeout: short, so a backoff applied shows as a much longer hiding. */
const QUEUE_VISIBILITY_SECONDS = 5;

let mq: TestFauxqs;

beforeAll(async () => {
  mq = await startTestFauxqs();
});

afterAll(async () => {
  await mq?.stop();
});

/** Every value `backoffSeconds` gives for these arguments over many draws of its jitter. */
function draws(receiveCount: number, baseSeconds: number, maxSeconds: number, times = 500): number[] {
  return Array.from({ length: times }, () => backoffSeconds(receiveCount, baseSeconds, maxSeconds));
}

/** A batch handler whose records fail when their id is in `failing`, with the backoff after it. */
function backoffChain(
  queue: TestFifoQueue,
  failing: (record: SQSRecord) => boolean,
  target: Partial<BackoffTarget> | 'no queue' = {},
) {
  const to =
    target === 'no queue'
      ? undefined
      : { sqs: queue.sqs, queueUrl: queue.queueUrl, baseSeconds: 120, maxSeconds: 120, ...target };
  return middy<SQSEvent, SQSBatchResponse, Error, Context>()
    .use(visibilityBackoff(() => to, silentLogger()))
    .handler(
      fifoBatchHandler(async (record) => {
        if (failing(record)) throw new Error(`record ${record.messageId} failed`);
      }),
    );
}

describe('backoffSeconds', () => {
  it('stays between half and all of the base doubled for every delivery after the first', () => {
    // Prepare
    const base = 10;
    const deliveries = [1, 2, 3, 4, 5];

    // Act
    const ranges = deliveries.map((n) => {
      const values = draws(n, base, 100_000);
      return [Math.min(...values), Math.max(...values)];
    });

    // Assess: 5–10 s for the first delivery, then 10–20, 20–40, 40–80, 80–160.
    for (const [i, n] of deliveries.entries()) {
      const ceiling = base * 2 ** (n - 1);
      expect(ranges[i]?.[0]).toBeGreaterThanOrEqual(ceiling / 2);
      expect(ranges[i]?.[1]).toBeLessThanOrEqual(ceiling);
    }
  });

  it('never gives a shorter backoff to a message that was delivered more often', () => {
    // Prepare
    const deliveries = [1, 2, 3, 4, 5, 6, 7, 8];

    // Act
    const ranges = deliveries.map((n) => draws(n, 3, 100_000));

    // Assess
    for (let i = 1; i < ranges.length; i++) {
      expect(Math.min(...(ranges[i] ?? []))).toBeGreaterThanOrEqual(Math.max(...(ranges[i - 1] ?? [])));
    }
  });

  it('is capped by the maximum, and by the 12 hours SQS allows, however often the message came', () => {
    // Prepare
    const manyDeliveries = 60;

    // Act
    const capped = draws(manyDeliveries, 10, 900);
    const beyondSqs = draws(manyDeliveries, 10, 100_000);

    // Assess
    expect(Math.min(...capped)).toBeGreaterThanOrEqual(450);
    expect(Math.max(...capped)).toBeLessThanOrEqual(900);
    expect(new Set(beyondSqs)).toEqual(new Set([43_200]));
  });

  it('waits at least a second, with a zero base or a receive count below one', () => {
    // Prepare
    const cases: Array<[number, number, number]> = [
      [1, 0, 900],
      [0, 1, 1],
      [-3, 1, 1],
      [5, 0.1, 0.1],
    ];

    // Act
    const values = cases.flatMap(([n, base, max]) => draws(n, base, max, 50));

    // Assess
    expect(new Set(values)).toEqual(new Set([1]));
  });
});

describe('visibilityBackoff', () => {
  it('hides a started record that failed for its backoff, longer than the queue would have', async () => {
    // Prepare
    const queue = await testFifoQueue(mq, 'backoff', { visibilityTimeoutSeconds: QUEUE_VISIBILITY_SECONDS });
    const records = await queue.receive(['g']);
    const handler = backoffChain(queue, () => true, { baseSeconds: 120, maxSeconds: 120 });

    // Act
    const response = await handler({ Records: records }, lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[0]?.messageId }]);
    expect(await queue.depth()).toMatchObject({ visible: 0, inFlight: 1 });
    const hidden = queue.hiddenForMs().get(records[0]?.messageId ?? '') ?? 0;
    expect(hidden).toBeGreaterThan(55_000);
    expect(hidden).toBeLessThanOrEqual(120_000);
  });

  it('hides a record longer the more often it was delivered', async () => {
    // Prepare
    const queue = await testFifoQueue(mq, 'backoff-growth', {
      visibilityTimeoutSeconds: QUEUE_VISIBILITY_SECONDS,
    });
    const [first, fifth] = await queue.receive(['a', 'b']);
    if (!first || !fifth) throw new Error('records not received');
    const records = [first, { ...fifth, attributes: { ...fifth.attributes, ApproximateReceiveCount: '5' } }];
    const handler = backoffChain(queue, () => true, { baseSeconds: 60, maxSeconds: 100_000 });

    // Act
    await handler({ Records: records }, lambdaContext());

    // Assess: the first delivery for 30–60 s, the fifth for 480–960 s.
    const hidden = queue.hiddenForMs();
    expect(hidden.get(first.messageId)).toBeGreaterThan(25_000);
    expect(hidden.get(first.messageId)).toBeLessThanOrEqual(60_000);
    expect(hidden.get(fifth.messageId)).toBeGreaterThan(475_000);
    expect(hidden.get(fifth.messageId)).toBeLessThanOrEqual(960_000);
  });

  it('releases a record whose last delivery failed at once, so it reaches the DLQ without a backoff', async () => {
    // Prepare: the fifth delivery of five.
    const queue = await testFifoQueue(mq, 'backoff-last', {
      visibilityTimeoutSeconds: QUEUE_VISIBILITY_SECONDS,
    });
    const [received] = await queue.receive(['g']);
    if (!received) throw new Error('record not received');
    const last = { ...received, attributes: { ...received.attributes, ApproximateReceiveCount: '5' } };
    const handler = backoffChain(queue, () => true, { baseSeconds: 60, maxSeconds: 900, maxReceiveCount: 5 });

    // Act
    await handler({ Records: [last] }, lambdaContext());

    // Assess
    expect(await queue.depth()).toMatchObject({ visible: 1, inFlight: 0 });
  });

  it('leaves the records that succeeded to the queue and only hides the one that failed', async () => {
    // Prepare
    const queue = await testFifoQueue(mq, 'backoff-mixed', {
      visibilityTimeoutSeconds: QUEUE_VISIBILITY_SECONDS,
    });
    const [ok, bad] = await queue.receive(['a', 'b']);
    if (!ok || !bad) throw new Error('records not received');
    const handler = backoffChain(queue, (r) => r.messageId === bad.messageId);

    // Act
    const response = await handler({ Records: [ok, bad] }, lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: bad.messageId }]);
    const hidden = queue.hiddenForMs();
    expect(hidden.get(ok.messageId)).toBeLessThanOrEqual(QUEUE_VISIBILITY_SECONDS * 1000);
    expect(hidden.get(bad.messageId)).toBeGreaterThan(55_000);
  });

  it('does not hide the records it never started, which failed only because their group did', async () => {
    // Prepare
    const queue = await testFifoQueue(mq, 'backoff-skipped', {
      visibilityTimeoutSeconds: QUEUE_VISIBILITY_SECONDS,
    });
    const [head, next] = await queue.receive(['g', 'g']);
    if (!head || !next) throw new Error('records not received');
    const handler = backoffChain(queue, (r) => r.messageId === head.messageId);

    // Act
    const response = await handler({ Records: [head, next] }, lambdaContext());

    // Assess
    expect(response.batchItemFailures).toHaveLength(2);
    const hidden = queue.hiddenForMs();
    expect(hidden.get(head.messageId)).toBeGreaterThan(55_000);
    expect(hidden.get(next.messageId)).toBeLessThanOrEqual(QUEUE_VISIBILITY_SECONDS * 1000);
  });

  it('leaves a batch alone that the batch handler never took on', async () => {
    // Prepare: a handler that reports every record failed without going through fifoBatchHandler.
    const queue = await testFifoQueue(mq, 'backoff-not-taken', {
      visibilityTimeoutSeconds: QUEUE_VISIBILITY_SECONDS,
    });
    const records = await queue.receive(['a', 'b']);
    const target = { sqs: queue.sqs, queueUrl: queue.queueUrl, baseSeconds: 120, maxSeconds: 120 };
    const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
      .use(visibilityBackoff(() => target, silentLogger()))
      .handler(async (event) => ({
        batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })),
      }));

    // Act
    const response = await handler({ Records: records }, lambdaContext());

    // Assess
    expect(response.batchItemFailures).toHaveLength(2);
    expect(Math.max(...queue.hiddenForMs().values())).toBeLessThanOrEqual(QUEUE_VISIBILITY_SECONDS * 1000);
  });

  it('leaves the queue its own visibility timeout when the dependencies name no queue', async () => {
    // Prepare
    const queue = await testFifoQueue(mq, 'backoff-none', {
      visibilityTimeoutSeconds: QUEUE_VISIBILITY_SECONDS,
    });
    const records = await queue.receive(['g']);
    const handler = backoffChain(queue, () => true, 'no queue');

    // Act
    const response = await handler({ Records: records }, lambdaContext());

    // Assess
    expect(response.batchItemFailures).toHaveLength(1);
    expect(queue.hiddenForMs().get(records[0]?.messageId ?? '')).toBeLessThanOrEqual(
      QUEUE_VISIBILITY_SECONDS * 1000,
    );
  });

  it('still answers with the batch response when SQS refuses to change a visibility', async () => {
    // Prepare: the queue goes away under the batch, so every ChangeMessageVisibility fails.
    const queue = await testFifoQueue(mq, 'backoff-gone', {
      visibilityTimeoutSeconds: QUEUE_VISIBILITY_SECONDS,
    });
    const records = await queue.receive(['g']);
    const handler = backoffChain(queue, () => {
      mq.server.deleteQueue(queue.name);
      return true;
    });

    // Act
    const response = await handler({ Records: records }, lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[0]?.messageId }]);
    expect(mq.server.inspectQueue(queue.name)).toBeUndefined();
  });

  it('hides a failed record for its backoff while the skipped records of its group are released', async () => {
    // Prepare: the standard order of the queue consumer, release first, backoff after it.
    const queue = await testFifoQueue(mq, 'backoff-release', {
      visibilityTimeoutSeconds: QUEUE_VISIBILITY_SECONDS,
    });
    const [head, next] = await queue.receive(['tenant', 'tenant']);
    if (!head || !next) throw new Error('records not received');
    const target = { sqs: queue.sqs, queueUrl: queue.queueUrl, baseSeconds: 120, maxSeconds: 120 };
    let tried = 0;
    const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
      .use(releaseSkippedMessages(() => target, silentLogger()))
      .use(visibilityBackoff(() => target, silentLogger()))
      .handler(
        fifoBatchHandler(async () => {
          tried += 1;
          throw new Error('vendor unavailable');
        }),
      );

    // Act
    const response = await handler({ Records: [head, next] }, lambdaContext());

    // Assess: both failed, only the head tried; it stays hidden, the one held back is visible again.
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([head.messageId, next.messageId]);
    expect(tried).toBe(1);
    expect(await queue.depth()).toMatchObject({ visible: 1, inFlight: 1 });
    expect(queue.hiddenForMs().get(head.messageId)).toBeGreaterThan(55_000);
  });
});
