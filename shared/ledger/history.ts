import { KEY_PATTERN } from '../domain/request.ts';
import type { AccountKey, HistoryEntry, HistoryEvent, RequestConclusion } from '../ports/ledger.ts';
import type { PlatformName } from '../ports/platform.ts';
import { LedgerUsageError } from './errors.ts';
import { compact } from './items.ts';
import {
  accountPartitionKey,
  MESSAGE_SORT_KEY_PREFIX,
  REQUEST_SORT_KEY_PREFIX,
  unattributedPartitionKey,
} from './table.ts';

/**
 * Where history items live and how they are written: requests and rejected messages in their account's
 * partition, rejected messages that name no valid account in their day's unattributed partition. Events
 * are only ever appended (`list_append`), so a history is never rewritten.
 *
 * @module
 */

/** A table key (`pk`, `sk`). A type rather than an interface so that it passes as an `Item`. */
export type TableKey = { readonly pk: string; readonly sk: string };

/** The key of a request's history item: in its account's partition, so `getHistory` is one Query. */
export function historyKey(key: AccountKey, requestId: string): TableKey {
  return { pk: accountPartitionKey(key), sk: `${REQUEST_SORT_KEY_PREFIX}${requestId}` };
}

/**
 * The key of a rejected message: under its account when the message names one of `platforms` and a valid
 * tenant id, else under the unattributed rejections of the UTC day it was received on. A malformed
 * message must not make up a partition from whatever it carried.
 */
export function rejectionKey(
  entry: HistoryEntry & { readonly messageId: string },
  platforms: readonly PlatformName[],
): TableKey {
  const pk = isAttributable(entry, platforms)
    ? accountPartitionKey({ platform: entry.platform, tenantId: entry.tenantId })
    : unattributedPartitionKey(utcDay(entry.receivedAt));
  return { pk, sk: `${MESSAGE_SORT_KEY_PREFIX}${entry.messageId}` };
}

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** `day` itself when it is `YYYY-MM-DD`; a `LedgerUsageError` otherwise. */
export function checkDay(day: string): string {
  if (!DAY_PATTERN.test(day)) {
    throw new LedgerUsageError(`Day must be YYYY-MM-DD, not ${JSON.stringify(day)}`);
  }
  return day;
}

/** The UTC day after `day` (`YYYY-MM-DD`). */
export function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/**
 * The UpdateItem parts that append `event` to a request's history. `if_not_exists` because a history
 * begun without events has no list to append to.
 */
export function appendEventUpdate(event: HistoryEvent) {
  return {
    UpdateExpression: 'SET #events = list_append(if_not_exists(#events, :none), :event)',
    ExpressionAttributeNames: { '#events': 'events' },
    ExpressionAttributeValues: { ':event': [compact(event)], ':none': [] },
  };
}

/**
 * The UpdateItem parts that conclude a request; `result`/`error` are set only when present. The values
 * include `:inProgress` for the caller's condition `#status = :inProgress`, which makes the conclusion
 * happen once.
 */
export function conclusionUpdate(conclusion: RequestConclusion) {
  const names: Record<string, string> = {
    '#status': 'status',
    '#finishedAt': 'finishedAt',
    '#events': 'events',
  };
  const values: Record<string, unknown> = {
    ':status': conclusion.status,
    ':finishedAt': conclusion.finishedAt,
    ':event': [compact(conclusion.event) as HistoryEvent],
    ':none': [],
    ':inProgress': 'in-progress',
  };
  const sets = [
    '#status = :status',
    '#finishedAt = :finishedAt',
    '#events = list_append(if_not_exists(#events, :none), :event)',
  ];
  if (conclusion.result !== undefined) {
    names['#result'] = 'result';
    values[':result'] = conclusion.result;
    sets.push('#result = :result');
  }
  if (conclusion.error !== undefined) {
    names['#error'] = 'error';
    values[':error'] = compact(conclusion.error);
    sets.push('#error = :error');
  }
  return {
    UpdateExpression: `SET ${sets.join(', ')}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** Oldest first by `receivedAt` (as instants, so offsets compare correctly), then by id. */
export function sortHistory(entries: HistoryEntry[]): HistoryEntry[] {
  const id = (entry: HistoryEntry) => entry.requestId ?? entry.messageId ?? '';
  return entries.sort((a, b) => {
    const [timeA, timeB] = [Date.parse(a.receivedAt), Date.parse(b.receivedAt)];
    if (!Number.isNaN(timeA) && !Number.isNaN(timeB)) {
      if (timeA !== timeB) return timeA - timeB;
    } else if (a.receivedAt !== b.receivedAt) {
      return a.receivedAt < b.receivedAt ? -1 : 1;
    }
    return id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0;
  });
}

function isAttributable(
  entry: HistoryEntry,
  platforms: readonly PlatformName[],
): entry is HistoryEntry & { readonly platform: PlatformName; readonly tenantId: string } {
  return (
    typeof entry.platform === 'string' &&
    platforms.includes(entry.platform) &&
    typeof entry.tenantId === 'string' &&
    KEY_PATTERN.test(entry.tenantId)
  );
}

/** The UTC calendar day of an ISO 8601 instant, whatever offset it is written with. */
function utcDay(instant: string): string {
  const time = Date.parse(instant);
  if (Number.isNaN(time))
    throw new LedgerUsageError(`receivedAt must be an ISO 8601 instant, not ${JSON.stringify(instant)}`);
  return new Date(time).toISOString().slice(0, 10);
}
