import type { SQSEvent } from 'aws-lambda';

/**
 * Which records of a batch were started, so the middlewares that run after the batch can tell a record
 * that failed (hide it for its backoff) from one that was never tried (release it at once). Keyed by the
 * event object the handler and the middlewares share; nothing outlives the invocation.
 */
const started = new WeakMap<SQSEvent, Set<string>>();

/** Notes that the batch handler took this batch on (before any record starts). */
export function beginBatch(event: SQSEvent): void {
  if (!started.has(event)) started.set(event, new Set());
}

/** Notes that a record of this batch was started. */
export function markStarted(event: SQSEvent, messageId: string): void {
  beginBatch(event);
  started.get(event)?.add(messageId);
}

/** Whether the batch handler ran on this event at all, and which records it started. */
export function startedRecords(event: SQSEvent): ReadonlySet<string> | undefined {
  return started.get(event);
}
