import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

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

/**
 * The records a batch reported failed, split into those it started (they failed) and those it never tried
 * (skipped behind a failed one, or out of time). `undefined` when the batch handler never took the batch on.
 */
export function failedRecords(
  event: SQSEvent,
  response: SQSBatchResponse | null | undefined,
): { readonly started: SQSRecord[]; readonly skipped: SQSRecord[] } | undefined {
  const started = startedRecords(event);
  if (!started || !response) return undefined;
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  const records = event.Records.filter((r) => failed.has(r.messageId));
  const own = records.filter((r) => !wasParked(event, r.messageId));
  return {
    started: own.filter((r) => started.has(r.messageId)),
    skipped: own.filter((r) => !started.has(r.messageId)),
  };
}

const parked = new WeakMap<SQSEvent, Set<string>>();

/** Notes that a record was parked (its platform is quarantined): hidden on purpose, neither backed off nor released. */
export function markParked(event: SQSEvent, messageId: string): void {
  let ids = parked.get(event);
  if (!ids) {
    ids = new Set();
    parked.set(event, ids);
  }
  ids.add(messageId);
}

/** Whether a record of this batch was parked. */
export function wasParked(event: SQSEvent, messageId: string): boolean {
  return parked.get(event)?.has(messageId) ?? false;
}
