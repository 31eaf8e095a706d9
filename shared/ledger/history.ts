import { KEY_PATTERN } from '../domain/request.ts';
import type {
  AccountKey,
  HistoryEntry,
  HistoryEvent,
  RequestCommit,
  RequestOpening,
} from '../ports/ledger.ts';
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

/** An UpdateExpression under construction: its SET clauses with their names and values. */
class UpdateBuilder {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  readonly sets: string[] = [];
  #count = 0;

  /** `name = value`, or only where the item has no `name` yet. */
  set(name: string, value: unknown, onlyIfAbsent = false): this {
    const ref = this.name(name);
    const placeholder = this.value(value);
    this.sets.push(
      onlyIfAbsent ? `${ref} = if_not_exists(${ref}, ${placeholder})` : `${ref} = ${placeholder}`,
    );
    return this;
  }

  /** Appends `events` to the item's event list (started when there is none). */
  append(events: readonly HistoryEvent[]): this {
    const ref = this.name('events');
    this.values[':none'] = [];
    this.sets.push(`${ref} = list_append(if_not_exists(${ref}, :none), ${this.value(events.map(compact))})`);
    return this;
  }

  name(name: string): string {
    const ref = `#${name}`;
    this.names[ref] = name;
    return ref;
  }

  value(value: unknown): string {
    this.#count += 1;
    const ref = `:v${this.#count}`;
    this.values[ref] = compact(value);
    return ref;
  }

  expression(): string {
    return `SET ${this.sets.join(', ')}`;
  }
}

/** Sets each field of a request's opening where the history has none yet: the first delivery's stand. */
function opened(builder: UpdateBuilder, opening: RequestOpening): UpdateBuilder {
  for (const [name, value] of Object.entries(compact(opening))) builder.set(name, value, true);
  return builder;
}

/**
 * The UpdateItem parts that write a request's conclusion, starting its history when none was begun: the
 * history of a request that succeeds at its first delivery is written once, here.
 *
 * The condition makes the conclusion happen once: no history yet, or one still in progress, or (a
 * {@link RequestCommit.redo}, re-applying a request whose account write was lost, once its own account
 * write succeeded) one that concluded with the very account version this commit writes.
 */
export function commitUpdate(commit: RequestCommit) {
  const { conclusion, account } = commit;
  const builder = opened(new UpdateBuilder(), commit.opening)
    .set('status', conclusion.status)
    .set('finishedAt', conclusion.finishedAt)
    .append([...commit.events, conclusion.event]);
  if (conclusion.result !== undefined) builder.set('result', conclusion.result);
  if (conclusion.error !== undefined) builder.set('error', conclusion.error);
  const status = builder.name('status');
  builder.values[':inProgress'] = 'in-progress';
  let condition = `attribute_not_exists(${status}) OR ${status} = :inProgress`;
  if (account !== undefined) builder.set('accountVersion', account.version);
  if (account !== undefined && commit.redo) {
    // Its account write has just succeeded (see DynamoDbLedger.commitRequest): replace the conclusion whose
    // account write was lost, recognised by the account version it noted.
    const version = builder.name('accountVersion');
    builder.values[':accountVersion'] = account.version;
    condition += ` OR ${version} = :accountVersion`;
  }
  return {
    UpdateExpression: builder.expression(),
    ConditionExpression: condition,
    ExpressionAttributeNames: builder.names,
    ExpressionAttributeValues: builder.values,
  };
}

/**
 * The UpdateItem parts that record a failed attempt: its events are appended, and a history that was never
 * begun is begun from `opening`, in progress.
 */
export function attemptUpdate(opening: RequestOpening, events: readonly HistoryEvent[]) {
  const builder = opened(new UpdateBuilder(), opening).set('status', 'in-progress', true).append(events);
  return {
    UpdateExpression: builder.expression(),
    ExpressionAttributeNames: builder.names,
    ExpressionAttributeValues: builder.values,
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
