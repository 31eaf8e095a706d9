import {
  BatchProcessor,
  EventType,
  processPartialResponse,
  SqsFifoMessageGroupShortCircuitError,
} from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { beginBatch, markStarted } from './batch-report.ts';
import { BatchConcurrencyError } from './errors.ts';
import type { RecordGuard } from './record-budget.ts';

/**
 * Records of one batch in flight at once, each of a different message group (`RECORD_CONCURRENCY`). Five
 * runs a full FIFO batch (ten tenants) in two rounds, so even at the worst case of one request (the 45 s
 * record budget) every record starts within the 120 s timeout, where one at a time only two would. And it
 * keeps the deployment at maxConcurrency × 5 vendor calls in flight (a record makes its calls one after
 * another): Cloopen refuses "too many concurrent requests" at an undocumented level, and such refusals
 * count towards a platform's quarantine.
 */
export const DEFAULT_RECORD_CONCURRENCY = 5;

/** What a batch takes from its invocation's context. */
export interface FifoBatchSettings {
  /** Checked, in order, just before each record starts (see `record-budget.ts`). */
  readonly guards?: readonly RecordGuard[] | undefined;
  /** Records in flight at once (default {@link DEFAULT_RECORD_CONCURRENCY}). */
  readonly concurrency?: number | undefined;
}

/** Lets at most `max` tasks run at once; the others wait in arrival order. */
function slots(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let free = max;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (free > 0) free -= 1;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, so no newcomer can slip in between.
      const next = waiting.shift();
      if (next) next();
      else free += 1;
    }
  };
}

/**
 * For each record, the settling of the record before it in its message group: `true` when that one
 * succeeded. Worked out from the batch's order up front, not from the order Powertools calls the handler.
 */
function groupChains(records: readonly SQSRecord[]) {
  const outcome = new Map<string, PromiseWithResolvers<boolean>>();
  const previous = new Map<string, Promise<boolean>>();
  const last = new Map<unknown, Promise<boolean>>();
  for (const record of records) {
    // A record without a group (not FIFO) is ordered after nothing, as Powertools treats it.
    const group: unknown = record.attributes.MessageGroupId ?? record;
    const own = Promise.withResolvers<boolean>();
    const before = last.get(group);
    if (before) previous.set(record.messageId, before);
    last.set(group, own.promise);
    outcome.set(record.messageId, own);
  }
  return { outcome, previous };
}

/**
 * A FIFO SQS batch handler with partial batch responses. Records of different message groups (tenants)
 * run concurrently, at most `concurrency` at once; those of one group run one after another, in order.
 * A failed record fails the later records of its own group without starting them, while other groups go
 * on. Records a guard stops are reported failed without being started; guards are checked when a record
 * gets its slot, so the time budget is read at the moment it would start. Everything is per invocation:
 * the local poller may run batches side by side on one handler.
 */
export function fifoBatchHandler<C extends Context>(
  processRecord: (record: SQSRecord, context: C) => Promise<void>,
  settings: (context: C) => FifoBatchSettings = () => ({}),
): (event: SQSEvent, context: C) => Promise<SQSBatchResponse> {
  return async (event, context) => {
    const { guards = [], concurrency = DEFAULT_RECORD_CONCURRENCY } = settings(context);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new BatchConcurrencyError(concurrency);
    beginBatch(event);
    const inSlot = slots(concurrency);
    const { outcome, previous } = groupChains(event.Records);
    const run = async (record: SQSRecord) => {
      const own = outcome.get(record.messageId);
      try {
        // Waiting for the group's previous record holds no slot, so a long group cannot starve the others.
        if ((await previous.get(record.messageId)) === false) {
          throw new SqsFifoMessageGroupShortCircuitError();
        }
        await inSlot(async () => {
          for (const check of guards) await check(record, context, event);
          markStarted(event, record.messageId);
          await processRecord(record, context);
        });
        own?.resolve(true);
      } catch (error) {
        own?.resolve(false);
        throw error;
      }
    };
    // Powertools' plain processor calls the handler for every record at once and collects the outcomes in
    // its response format; the FIFO processors would run the whole batch one record after another.
    const response = await processPartialResponse(event, run, new BatchProcessor(EventType.SQS), {
      context,
      processInParallel: true,
      throwOnFullBatchFailure: false,
    });
    // Failures are collected as they happen; report them in the batch's order, as the FIFO processor did.
    const index = new Map(event.Records.map((r, i) => [r.messageId, i]));
    const at = (id: string) => index.get(id) ?? event.Records.length;
    return {
      batchItemFailures: [...response.batchItemFailures].sort(
        (a, b) => at(a.itemIdentifier) - at(b.itemIdentifier),
      ),
    };
  };
}
