import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { OutOfTimeError } from './errors.ts';

/**
 * Decides, before a record starts, whether it may: throws (or rejects) to leave it untried. What it returns
 * is otherwise ignored; a promise is awaited.
 */
export type RecordGuard = (record: SQSRecord, context: Context, event?: SQSEvent) => unknown;

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
