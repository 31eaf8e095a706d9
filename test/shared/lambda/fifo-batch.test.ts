import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { startedRecords } from '../../../shared/lambda/batch-report.ts';
import { BatchConcurrencyError, OutOfTimeError } from '../../../shared/lambda/errors.ts';
import { DEFAULT_RECORD_CONCURRENCY, fifoBatchHandler } from '../../../shared/lambda/fifo-batch.ts';
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

/**
 * Lets every task that is ready run before going on: whatever could start at the same time as the caller
 * has started by then, so overlap shows in the order of events without measuring time.
 */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A record handler that logs `start`/`end` of each record, staying busy for `turns[id]` turns (default 1). */
function timeline(turns: Readonly<Record<string, number>> = {}) {
  const events: string[] = [];
  let inFlight = 0;
  let peak = 0;
  const run = async (record: SQSRecord) => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    events.push(`start ${record.messageId}`);
    for (let i = 0; i < (turns[record.messageId] ?? 1); i += 1) await nextTurn();
    events.push(`end ${record.messageId}`);
    inFlight -= 1;
  };
  return { run, events, peak: () => peak };
}

const failures = (response: { batchItemFailures: Array<{ itemIdentifier: string }> }) =>
  response.batchItemFailures.map((f) => f.itemIdentifier);

describe('fifoBatchHandler', () => {
  it('runs records of different message groups at the same time', async () => {
    // Prepare
    const { run, events } = timeline();
    const handler = fifoBatchHandler(run);

    // Act
    await handler(batch('a1', 'b1'), lambdaContext());

    // Assess: both started before either finished.
    expect(events).toEqual(['start a1', 'start b1', 'end a1', 'end b1']);
  });

  it('runs the records of one group one after another, in the order of the batch', async () => {
    // Prepare: a1 is the slowest record; nothing of group a may overtake it, group b need not wait.
    const { run, events } = timeline({ a1: 5 });
    const handler = fifoBatchHandler(run);

    // Act
    await handler(batch('a1', 'b1', 'a2', 'b2', 'a3'), lambdaContext());

    // Assess
    expect(events.filter((e) => e.endsWith('a1') || e.endsWith('a2') || e.endsWith('a3'))).toEqual([
      'start a1',
      'end a1',
      'start a2',
      'end a2',
      'start a3',
      'end a3',
    ]);
    expect(events.indexOf('end b2')).toBeLessThan(events.indexOf('end a1'));
  });

  it('fails the later records of a failed record’s group without starting them while the other groups proceed', async () => {
    // Prepare
    const { run, tried } = recorder(['a1']);
    const handler = fifoBatchHandler(run);

    // Act
    const response = await handler(batch('a1', 'b1', 'a2', 'b2', 'c1', 'a3'), lambdaContext());

    // Assess
    expect(failures(response)).toEqual(['a1', 'a2', 'a3']);
    expect(tried.sort()).toEqual(['a1', 'b1', 'b2', 'c1']);
  });

  it('reports the failures in the order of the batch, whichever failed first', async () => {
    // Prepare: a1 fails last, long after b1 and c1.
    const { run: slow } = timeline({ a1: 5 });
    const handler = fifoBatchHandler(async (record: SQSRecord) => {
      await slow(record);
      throw new Error(`${record.messageId} failed`);
    });

    // Act
    const response = await handler(batch('a1', 'b1', 'c1', 'd1'), lambdaContext());

    // Assess
    expect(failures(response)).toEqual(['a1', 'b1', 'c1', 'd1']);
  });

  it('never has more records in flight than its concurrency', async () => {
    // Prepare: six groups, two at a time.
    const { run, events, peak } = timeline();
    const handler = fifoBatchHandler(run, () => ({ concurrency: 2 }));

    // Act
    const response = await handler(batch('a1', 'b1', 'c1', 'd1', 'e1', 'f1'), lambdaContext());

    // Assess
    expect(peak()).toBe(2);
    expect(events.filter((e) => e.startsWith('end'))).toHaveLength(6);
    expect(failures(response)).toEqual([]);
  });

  it(`runs ${DEFAULT_RECORD_CONCURRENCY} records at once unless told otherwise`, async () => {
    // Prepare
    const { run, peak } = timeline();
    const handler = fifoBatchHandler(run);
    const groups = 'abcdefghij'.split('').map((g) => `${g}1`);

    // Act
    await handler(batch(...groups), lambdaContext());

    // Assess
    expect(peak()).toBe(DEFAULT_RECORD_CONCURRENCY);
  });

  it('does not hold a slot for a record that waits for its group, so other groups go on', async () => {
    // Prepare: one slot; group a's second record waits for a1 while b1 may use the slot.
    const { run, events } = timeline();
    const handler = fifoBatchHandler(run, () => ({ concurrency: 1 }));

    // Act
    await handler(batch('a1', 'a2', 'b1'), lambdaContext());

    // Assess: the slot goes round in the order records became ready.
    expect(events).toEqual(['start a1', 'end a1', 'start b1', 'end b1', 'start a2', 'end a2']);
  });

  it('refuses a concurrency at which no record could ever start', async () => {
    // Prepare
    const handler = fifoBatchHandler(recorder().run, () => ({ concurrency: 0 }));

    // Act
    const answer = handler(batch('a1'), lambdaContext());

    // Assess
    await expect(answer).rejects.toThrow(BatchConcurrencyError);
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
    const handler = fifoBatchHandler(run, () => ({ guards: [stop] }));
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
    const handler = fifoBatchHandler(run, () => ({ guards: [notA2] }));
    const event = batch('a1', 'a2', 'b1', 'a3');

    // Act
    const response = await handler(event, lambdaContext());

    // Assess
    expect(failures(response)).toEqual(['a2', 'a3']);
    expect(tried.sort()).toEqual(['a1', 'b1']);
    expect(guarded.sort()).toEqual(['a1', 'a2', 'b1']);
    expect(startedRecords(event)).toEqual(new Set(['a1', 'b1']));
  });

  it('checks the guards of a record when it gets its slot, not when the batch begins', async () => {
    // Prepare: one slot; the guard stops every record once a record has finished.
    const { run, tried } = recorder();
    const stopAfterFirst = () => {
      if (tried.length > 0) throw new OutOfTimeError('late');
    };
    const handler = fifoBatchHandler(run, () => ({ guards: [stopAfterFirst], concurrency: 1 }));

    // Act
    const response = await handler(batch('a1', 'b1', 'c1'), lambdaContext());

    // Assess
    expect(tried).toEqual(['a1']);
    expect(failures(response)).toEqual(['b1', 'c1']);
  });

  it('gives the record handler and the guards the invocation’s context', async () => {
    // Prepare
    const context = lambdaContext(12_345);
    const seen: Array<{ by: string; id: string; remaining: number }> = [];
    let settingsRead = 0;
    const handler = fifoBatchHandler(
      async (record: SQSRecord, c: Context) => {
        seen.push({ by: 'record', id: record.messageId, remaining: c.getRemainingTimeInMillis() });
      },
      (c) => {
        settingsRead += 1;
        return {
          guards: [
            (record, rc) =>
              seen.push({
                by: 'guard',
                id: record.messageId,
                remaining: c === rc ? rc.getRemainingTimeInMillis() : -1,
              }),
          ],
        };
      },
    );

    // Act
    await handler(batch('a1', 'b1'), context);

    // Assess: the settings are read once per batch and the guards checked before each record.
    expect(settingsRead).toBe(1);
    for (const id of ['a1', 'b1']) {
      expect(seen.filter((s) => s.id === id)).toEqual([
        { by: 'guard', id, remaining: 12_345 },
        { by: 'record', id, remaining: 12_345 },
      ]);
    }
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
