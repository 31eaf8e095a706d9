import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { startedRecords } from '../../../shared/lambda/batch-report.ts';
import { OutOfTimeError } from '../../../shared/lambda/errors.ts';
import { fifoBatchHandler } from '../../../shared/lambda/fifo-batch.ts';
import { lambdaContext, sqsRecord } from '../../support/lambda-queue.ts';

/** A batch of records `<group><n>`, in the order given, each in the group named by its first letter. */
function batch(...ids: string[]): SQSEvent {
  return { Records: ids.map((id) => sqsRecord(id, id.slice(0, 1))) };
}

/** A record handler that notes what it was given and fails the records listed in `failing`. */
function recorder(failing: readonly string[] = []) {
  const tried: string[] = [];
  const run = async (record: SQSRecord) => {
    tried.push(record.messageId);
    if (failing.includes(record.messageId)) throw new Error(`${record.messageId} failed`);
  };
  return { run, tried };
}

const failures = (response: { batchItemFailures: Array<{ itemIdentifier: string }> }) =>
  response.batchItemFailures.map((f) => f.itemIdentifier);

describe('fifoBatchHandler', () => {
  it('fails the later records of a failed record’s group while the other groups proceed', async () => {
    // Prepare
    const { run, tried } = recorder(['a1']);
    const handler = fifoBatchHandler(run);

    // Act
    const response = await handler(batch('a1', 'b1', 'a2', 'b2', 'c1', 'a3'), lambdaContext());

    // Assess
    expect(failures(response)).toEqual(['a1', 'a2', 'a3']);
    expect(tried).toEqual(['a1', 'b1', 'b2', 'c1']);
  });

  it('runs the records one after another in the order of the batch', async () => {
    // Prepare: the first record is the slowest; nothing may overtake it.
    const order: string[] = [];
    const handler = fifoBatchHandler(async (record: SQSRecord) => {
      order.push(`start ${record.messageId}`);
      await new Promise((resolve) => setTimeout(resolve, record.messageId === 'a1' ? 20 : 0));
      order.push(`end ${record.messageId}`);
    });

    // Act
    await handler(batch('a1', 'b1', 'a2'), lambdaContext());

    // Assess
    expect(order).toEqual(['start a1', 'end a1', 'start b1', 'end b1', 'start a2', 'end a2']);
  });

  it('answers with every record failed, rather than throwing, when the whole batch fails', async () => {
    // Prepare
    const { run } = recorder(['a1', 'b1']);
    const handler = fifoBatchHandler(run);

    // Act
    const response = await handler(batch('a1', 'a2', 'b1'), lambdaContext());

    // Assess
    expect(failures(response)).toEqual(['a1', 'a2', 'b1']);
  });

  it('notes which records were started, so the middlewares after it can tell failed from skipped', async () => {
    // Prepare
    const { run } = recorder(['a1']);
    const handler = fifoBatchHandler(run);
    const event = batch('a1', 'a2', 'b1');

    // Act
    await handler(event, lambdaContext());

    // Assess
    expect(startedRecords(event)).toEqual(new Set(['a1', 'b1']));
    expect(startedRecords(batch('a1'))).toBeUndefined();
  });

  it('notes the batch as taken on even when no record could start', async () => {
    // Prepare
    const { run, tried } = recorder();
    const stop = (record: SQSRecord) => {
      throw new OutOfTimeError(record.messageId);
    };
    const handler = fifoBatchHandler(run, () => [stop]);
    const event = batch('a1', 'b1');

    // Act
    const response = await handler(event, lambdaContext());

    // Assess
    expect(failures(response)).toEqual(['a1', 'b1']);
    expect(tried).toEqual([]);
    expect(startedRecords(event)).toEqual(new Set());
  });

  it('leaves a record a guard stops untried, with the rest of its group, and runs the other groups', async () => {
    // Prepare
    const { run, tried } = recorder();
    const guarded: string[] = [];
    const notA2 = (record: SQSRecord) => {
      guarded.push(record.messageId);
      if (record.messageId === 'a2') throw new OutOfTimeError(record.messageId);
    };
    const handler = fifoBatchHandler(run, () => [notA2]);
    const event = batch('a1', 'a2', 'b1', 'a3');

    // Act
    const response = await handler(event, lambdaContext());

    // Assess
    expect(failures(response)).toEqual(['a2', 'a3']);
    expect(tried).toEqual(['a1', 'b1']);
    expect(guarded).toEqual(['a1', 'a2', 'b1']);
    expect(startedRecords(event)).toEqual(new Set(['a1', 'b1']));
  });

  it('gives the record handler and the guards the invocation’s context', async () => {
    // Prepare
    const context = lambdaContext(12_345);
    const seen: Array<{ by: string; remaining: number }> = [];
    let guardsBuilt = 0;
    const handler = fifoBatchHandler(
      async (_record: SQSRecord, c: Context) => {
        seen.push({ by: 'record', remaining: c.getRemainingTimeInMillis() });
      },
      (c) => {
        guardsBuilt += 1;
        return [
          (_record, rc) =>
            seen.push({ by: 'guard', remaining: c === rc ? rc.getRemainingTimeInMillis() : -1 }),
        ];
      },
    );

    // Act
    await handler(batch('a1', 'b1'), context);

    // Assess: guards are made once per batch and checked before each record.
    expect(guardsBuilt).toBe(1);
    expect(seen).toEqual([
      { by: 'guard', remaining: 12_345 },
      { by: 'record', remaining: 12_345 },
      { by: 'guard', remaining: 12_345 },
      { by: 'record', remaining: 12_345 },
    ]);
  });

  it('keeps batches that run side by side on one handler apart', async () => {
    // Prepare: group a fails in the first batch only; the second batch’s group a must still run.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let parked: () => void = () => undefined;
    const inB1 = new Promise<void>((resolve) => {
      parked = resolve;
    });
    const tried: string[] = [];
    const handler = fifoBatchHandler(async (record: SQSRecord) => {
      tried.push(record.messageId);
      if (record.messageId === 'a1') throw new Error('a1 failed');
      if (record.messageId === 'b1') {
        parked();
        await gate;
      }
    });
    const first = batch('a1', 'b1', 'a2');
    const second = batch('a7', 'a8');

    // Act: the first batch is parked inside b1 while the second one runs from start to end.
    const firstDone = handler(first, lambdaContext());
    await inB1;
    const secondResponse = await handler(second, lambdaContext());
    release();
    const firstResponse = await firstDone;

    // Assess
    expect(failures(firstResponse)).toEqual(['a1', 'a2']);
    expect(failures(secondResponse)).toEqual([]);
    expect(tried).toEqual(['a1', 'b1', 'a7', 'a8']);
    expect(startedRecords(second)).toEqual(new Set(['a7', 'a8']));
  });
});
