import type { Context, SQSRecord } from 'aws-lambda';
import { OutOfTimeError } from './errors.ts';

/** Decides, before a record starts, whether it may; throws to leave it untried. */
export type RecordGuard = (record: SQSRecord, context: Context) => void;

/**
 * A record starts only while at least `budgetMs` of the invocation is left (the worst case of one
 * record). Later ones are left untried, and so released back to the queue, instead of being killed with
 * the invocation half-way through.
 */
export function recordTimeBudget(budgetMs: number): RecordGuard {
  return (record, context) => {
    if (context.getRemainingTimeInMillis() < budgetMs) throw new OutOfTimeError(record.messageId);
  };
}
