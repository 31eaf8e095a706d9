import type { Logger } from '@aws-lambda-powertools/logger';
import { DeleteMessageCommand } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DependencyContext, injectDependencies } from '../../../shared/lambda/dependencies.ts';
import { fifoBatchHandler } from '../../../shared/lambda/fifo-batch.ts';
import { type ReleaseTarget, releaseSkippedMessages } from '../../../shared/lambda/release-skipped.ts';
import { visibilityBackoff } from '../../../shared/lambda/visibility-backoff.ts';
import { startTestFauxqs, type TestFauxqs } from '../../support/fauxqs.ts';
import {
  lambdaContext,
  silentLogger,
  type TestFifoQueue,
  testFifoQueue,
} from '../../support/lambda-queue.ts';

let mq: TestFauxqs;

beforeAll(async () => {
  mq = await startTestFauxqs();
});

afterAll(async () => {
  await mq?.stop();
});

/** The release middleware around a FIFO batch handler that fails the records `failing` picks. */
function releaseChain(
  target: ReleaseTarget | undefined,
  failing: (record: SQSRecord) => boolean | Promise<boolean>,
  logger: Logger = silentLogger(),
) {
  const tried: string[] = [];
  const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
    .use(releaseSkippedMessages(() => target, logger))
    .handler(
      fifoBatchHandler(async (record) => {
        tried.push(record.messageId);
        if (await failing(record)) throw new Error(`record ${record.messageId} failed`);
      }),
    );
  return { handler, tried };
}

const targetOf = (queue: TestFifoQueue): ReleaseTarget => ({ sqs: queue.sqs, queueUrl: queue.queueUrl });

describe('releaseSkippedMessages', () => {
  it('makes the records held back behind a failed one of their group visible again at once', async () => {
    // Prepare
    const queue = await testFifoQueue(mq, 'release');
    const [head, second, third] = await queue.receive(['g', 'g', 'g']);
    if (!head || !second || !third) throw new Error('records not received');
    const { handler, tried } = releaseChain(targetOf(queue), (r) => r.messageId === head.messageId);

    // Act
    const response = await handler({ Records: [head, second, third] }, lambdaContext());

    // Assess: all three failed; the two never tried are back on the queue, the head waits its timeout.
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
      head.messageId,
      second.messageId,
      third.messageId,
    ]);
    expect(tried).toEqual([head.messageId]);
    expect(await queue.depth()).toMatchObject({ visible: 2, inFlight: 1 });
    expect([...queue.hiddenForMs().keys()]).toEqual([head.messageId]);
  });

  it('leaves the records of other groups that succeeded where they are', async () => {
    // Prepare
    const queue = await testFifoQueue(mq, 'release-other');
    const [failed, skipped, other] = await queue.receive(['a', 'a', 'b']);
    if (!failed || !skipped || !other) throw new Error('records not received');
    const { handler } = releaseChain(targetOf(queue), (r) => r.messageId === failed.messageId);

    // Act
    const response = await handler({ Records: [failed, other, skipped] }, lambdaContext());

    // Assess
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
      failed.messageId,
      skipped.messageId,
    ]);
    expect(await queue.depth()).toMatchObject({ visible: 1, inFlight: 2 });
    expect(new Set(queue.hiddenForMs().keys())).toEqual(new Set([failed.messageId, other.messageId]));
  });

  it('releases a failed group’s untried records while another group ran alongside it', async () => {
    // Prepare: tenant a's head fails only after tenant b's first record has started.
    const queue = await testFifoQueue(mq, 'release-concurrent');
    const [a1, b1, a2, b2] = await queue.receive(['a', 'b', 'a', 'b']);
    if (!a1 || !b1 || !a2 || !b2) throw new Error('records not received');
    let overlapped = false;
    const { handler, tried } = releaseChain(targetOf(queue), async (r) => {
      if (r.messageId !== a1.messageId) return false;
      await new Promise<void>((resolve) => setImmediate(resolve));
      overlapped = tried.includes(b1.messageId);
      return true;
    });

    // Act
    const response = await handler({ Records: [a1, b1, a2, b2] }, lambdaContext());

    // Assess: b ran beside a, a2 was never tried and is back on the queue; the rest stay in flight.
    expect(overlapped).toBe(true);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([a1.messageId, a2.messageId]);
    expect(tried.sort()).toEqual([a1.messageId, b1.messageId, b2.messageId].sort());
    expect(await queue.depth()).toMatchObject({ visible: 1, inFlight: 3 });
    expect(queue.hiddenForMs().has(a2.messageId)).toBe(false);
  });

  it('leaves a batch alone that the batch handler never took on', async () => {
    // Prepare: a handler that reports every record failed without going through fifoBatchHandler.
    const queue = await testFifoQueue(mq, 'release-not-taken');
    const records = await queue.receive(['a', 'b']);
    const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
      .use(releaseSkippedMessages(() => targetOf(queue), silentLogger()))
      .handler(async (event) => ({
        batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })),
      }));

    // Act
    const response = await handler({ Records: records }, lambdaContext());

    // Assess
    expect(response.batchItemFailures).toHaveLength(2);
    expect(await queue.depth()).toMatchObject({ visible: 0, inFlight: 2 });
  });

  it('releases nothing when the dependencies could not be built, so a broken setup is not retried at once', async () => {
    // Prepare: the consumer's chain, with a dependency factory that fails.
    const queue = await testFifoQueue(mq, 'release-no-deps');
    const records = await queue.receive(['a', 'a', 'b']);
    const target = { ...targetOf(queue), baseSeconds: 120, maxSeconds: 120 };
    const tried: string[] = [];
    const handler = middy<SQSEvent, SQSBatchResponse, Error, DependencyContext<{ ready: true }>>()
      .use(
        injectDependencies(async () => {
          throw new Error('secret is empty');
        }, silentLogger()),
      )
      .use(releaseSkippedMessages(() => target, silentLogger()))
      .use(visibilityBackoff(() => target, silentLogger()))
      .handler(
        fifoBatchHandler(async (record) => {
          tried.push(record.messageId);
        }),
      );

    // Act
    const response = await handler({ Records: records }, lambdaContext());

    // Assess: every record failed, none tried, and the queue keeps them all for its own timeout.
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(records.map((r) => r.messageId));
    expect(tried).toEqual([]);
    expect(await queue.depth()).toMatchObject({ visible: 0, inFlight: 3 });
    expect(Math.max(...queue.hiddenForMs().values())).toBeLessThanOrEqual(30_000);
  });

  it('leaves the skipped records to the visibility timeout when the dependencies name no queue', async () => {
    // Prepare
    const queue = await testFifoQueue(mq, 'release-none');
    const [head, next] = await queue.receive(['g', 'g']);
    if (!head || !next) throw new Error('records not received');
    const { handler } = releaseChain(undefined, (r) => r.messageId === head.messageId);

    // Act
    const response = await handler({ Records: [head, next] }, lambdaContext());

    // Assess
    expect(response.batchItemFailures).toHaveLength(2);
    expect(await queue.depth()).toMatchObject({ visible: 0, inFlight: 2 });
  });

  it('calls SQS not at all when no record was skipped', async () => {
    // Prepare: every SQS call the client makes from here on is counted.
    const queue = await testFifoQueue(mq, 'release-nothing');
    const records = await queue.receive(['a', 'b']);
    let calls = 0;
    queue.sqs.middlewareStack.add(
      (next) => async (args) => {
        calls += 1;
        return next(args);
      },
      { step: 'initialize', name: 'countReleaseCalls' },
    );
    const { handler } = releaseChain(targetOf(queue), () => true);

    // Act
    try {
      await handler({ Records: records }, lambdaContext());
    } finally {
      queue.sqs.middlewareStack.remove('countReleaseCalls');
    }

    // Assess: both failed after being tried: nothing to release.
    expect(calls).toBe(0);
    expect(await queue.depth()).toMatchObject({ visible: 0, inFlight: 2 });
  });

  it('releases the other skipped records when one of them can no longer be changed', async () => {
    // Prepare: while the head runs, one of the records behind it is deleted, so its receipt is stale.
    const queue = await testFifoQueue(mq, 'release-partial');
    const [head, gone, kept] = await queue.receive(['g', 'g', 'g']);
    if (!head || !gone || !kept) throw new Error('records not received');
    const logger = silentLogger();
    const warn = vi.spyOn(logger, 'warn');
    const { handler } = releaseChain(
      targetOf(queue),
      async (r) => {
        await queue.sqs.send(
          new DeleteMessageCommand({ QueueUrl: queue.queueUrl, ReceiptHandle: gone.receiptHandle }),
        );
        return r.messageId === head.messageId;
      },
      logger,
    );

    // Act
    const response = await handler({ Records: [head, gone, kept] }, lambdaContext());

    // Assess
    expect(response.batchItemFailures).toHaveLength(3);
    expect(await queue.depth()).toMatchObject({ visible: 1, inFlight: 1 });
    expect([...queue.hiddenForMs().keys()]).toEqual([head.messageId]);
    expect(warn).toHaveBeenCalledWith(
      'Could not release skipped messages',
      expect.objectContaining({ count: 1 }),
    );
  });

  it('releases more skipped records than one SQS call takes', async () => {
    // Prepare: twelve records of one group; the head fails, eleven are skipped (SQS takes ten per call).
    const queue = await testFifoQueue(mq, 'release-many');
    const records = await queue.receive(Array.from({ length: 12 }, () => 'g'));
    const head = records[0];
    if (!head) throw new Error('records not received');
    const { handler } = releaseChain(targetOf(queue), (r) => r.messageId === head.messageId);

    // Act
    await handler({ Records: records }, lambdaContext());

    // Assess
    expect(await queue.depth()).toMatchObject({ visible: 11, inFlight: 1 });
  });
});
