import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutOfTimeError } from '../../../shared/lambda/errors.ts';
import { fifoBatchHandler } from '../../../shared/lambda/fifo-batch.ts';
import { recordTimeBudget } from '../../../shared/lambda/record-budget.ts';
import { releaseSkippedMessages } from '../../../shared/lambda/release-skipped.ts';
import { startTestFauxqs, type TestFauxqs } from '../../support/fauxqs.ts';
import {
  lambdaContext,
  silentLogger,
  sqsRecord,
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

const record = sqsRecord('m-1', 'g');

/** The batch handler guarded by a time budget, with skipped records released to `queue`. */
function budgetChain(
  queue: TestFifoQueue,
  budgetMs: number,
  run: (record: SQSRecord) => Promise<void>,
  concurrency?: number,
) {
  return middy<SQSEvent, SQSBatchResponse, Error, Context>()
    .use(releaseSkippedMessages(() => ({ sqs: queue.sqs, queueUrl: queue.queueUrl }), silentLogger()))
    .handler(fifoBatchHandler(run, () => ({ guards: [recordTimeBudget(budgetMs)], concurrency })));
}

describe('recordTimeBudget', () => {
  it('lets a record start while at least the budget is left', () => {
    // Prepare
    const guard = recordTimeBudget(45_000);

    // Act
    const check = (remainingMs: number) => () => guard(record, lambdaContext(remainingMs));

    // Assess
    expect(check(45_000)).not.toThrow();
    expect(check(900_000)).not.toThrow();
  });

  it('stops a record with an OutOfTimeError naming it when less than the budget is left', () => {
    // Prepare
    const guard = recordTimeBudget(45_000);

    // Act
    const check = () => guard(record, lambdaContext(44_999));

    // Assess
    expect(check).toThrow(OutOfTimeError);
    expect(check).toThrow(/m-1/);
  });

  it('never stops a record with a zero budget, even at the very end of the invocation', () => {
    // Prepare
    const guard = recordTimeBudget(0);

    // Act
    const check = () => guard(record, lambdaContext(0));

    // Assess
    expect(check).not.toThrow();
  });

  it('reads the remaining time for every record rather than once per batch', () => {
    // Prepare
    let remaining = 60_000;
    const context = lambdaContext(() => remaining);
    const guard = recordTimeBudget(45_000);
    guard(record, context);

    // Act
    remaining = 10_000;
    const check = () => guard(record, context);

    // Assess
    expect(check).toThrow(OutOfTimeError);
  });
});

describe('a batch under a record time budget', () => {
  it('leaves every record untried, and visible again, when too little of the invocation is left', async () => {
    // Prepare
    const queue = await testFifoQueue(mq, 'budget');
    const records = await queue.receive(['a', 'a', 'b']);
    const tried: string[] = [];
    const handler = budgetChain(queue, 45_000, async (r) => {
      tried.push(r.messageId);
    });

    // Act
    const response = await handler({ Records: records }, lambdaContext(10_000));

    // Assess
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(records.map((r) => r.messageId));
    expect(tried).toEqual([]);
    expect(await queue.depth()).toMatchObject({ visible: 3, inFlight: 0 });
  });

  it('stops starting records once the invocation runs low, and releases the ones it did not start', async () => {
    // Prepare: each record takes 30 s of a 70 s invocation; a record needs 40 s left to start. One at a
    // time, so the records run one after another.
    const queue = await testFifoQueue(mq, 'budget-late');
    const [first, second, third] = await queue.receive(['a', 'b', 'c']);
    if (!first || !second || !third) throw new Error('records not received');
    let remaining = 70_000;
    const tried: string[] = [];
    const handler = budgetChain(
      queue,
      40_000,
      async (r) => {
        tried.push(r.messageId);
        remaining -= 30_000;
      },
      1,
    );

    // Act
    const response = await handler(
      { Records: [first, second, third] },
      lambdaContext(() => remaining),
    );

    // Assess: the first two ran (70 s and 40 s left); the third was left for the next invocation.
    expect(tried).toEqual([first.messageId, second.messageId]);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: third.messageId }]);
    expect(await queue.depth()).toMatchObject({ visible: 1, inFlight: 2 });
    expect(new Set(queue.hiddenForMs().keys())).toEqual(new Set([first.messageId, second.messageId]));
  });

  it('checks a record that waited for a slot against the time left when it gets one', async () => {
    // Prepare: two slots, three tenants; the first two records start with 70 s left, and by the time a
    // slot frees up the 30 s each took leave less than the 45 s a record needs.
    const queue = await testFifoQueue(mq, 'budget-slots');
    const [first, second, third] = await queue.receive(['a', 'b', 'c']);
    if (!first || !second || !third) throw new Error('records not received');
    let remaining = 70_000;
    const tried: string[] = [];
    const handler = budgetChain(
      queue,
      45_000,
      async (r) => {
        tried.push(r.messageId);
        // The time is used up only after a turn of the event loop, by which the other slot was taken.
        await new Promise<void>((resolve) => setImmediate(resolve));
        remaining -= 30_000;
      },
      2,
    );

    // Act
    const response = await handler(
      { Records: [first, second, third] },
      lambdaContext(() => remaining),
    );

    // Assess: the third tenant's record was left untried and is back on the queue.
    expect(tried).toEqual([first.messageId, second.messageId]);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: third.messageId }]);
    expect(await queue.depth()).toMatchObject({ visible: 1, inFlight: 2 });
  });
});
