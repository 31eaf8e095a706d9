import { ConcurrentUpdateError } from '../domain/errors.ts';
import {
  ACCOUNT_STATES,
  type AccountFilter,
  type AccountKey,
  type AccountRecord,
  type AccountState,
  type DriftRecord,
  type ExpiringAccount,
  type ExpiringState,
  type HistoryEntry,
  type HistoryEvent,
  type Ledger,
  type OperationEvent,
  type ParkedMessage,
  type QuarantineState,
  type RequestConclusion,
} from '../ports/ledger.ts';
import type { PlatformName } from '../ports/platform.ts';
import { accountWriteConflict, isConditionFailure } from './error-translation.ts';
import { LedgerRequestNotFoundError, LedgerUsageError } from './errors.ts';
import {
  appendEventUpdate,
  checkDay,
  conclusionUpdate,
  historyKey,
  rejectionKey,
  sortHistory,
} from './history.ts';
import { accountItem, compact, type Item, toAccountRecord, toHistoryEntry } from './items.ts';
import { LedgerOperations } from './operations.ts';
import { QuarantineStore } from './quarantine-store.ts';
import {
  ACCOUNT_SORT_KEY,
  accountPartitionKey,
  CLAIM_SORT_KEY,
  LEDGER_STATE_INDEX,
  LEDGER_TTL_ATTRIBUTE,
  MESSAGE_SORT_KEY_PREFIX,
  naturalKeyPartitionKey,
  REQUEST_SORT_KEY_PREFIX,
  rejectionsIndexPartitionKey,
  stateIndexPartitionKey,
  unattributedPartitionKey,
} from './table.ts';
import { LedgerTableClient, type LedgerTableOptions, type WriteCondition } from './table-client.ts';

export type { CapacityKind } from './table-client.ts';

/** Options of {@link DynamoDbLedger} (and {@link createDynamoDbLedger}). */
export interface DynamoDbLedgerOptions extends LedgerTableOptions {
  /**
   * Every platform name accounts may be filed under (the runtime passes the platform registry's names).
   * `listAccounts` without a platform filter queries the state index once per name and state, and
   * `recordRejection` files a rejected message under its account only when it names one of these. Given
   * rather than imported so that the adapter does not depend on the platform registry.
   */
  readonly platforms: readonly PlatformName[];
  /** Days a rejection record is kept before DynamoDB's TTL deletes it. Default 90. */
  readonly rejectionTtlDays?: number | undefined;
}

/**
 * Write capacity units of a typical create: `beginRequest` → `claimNaturalKey` → `createAccount`
 * (pending) → `saveAccount` (active, sealed credentials and profile) → `concludeRequest`.
 *
 * - `table`: one unit per write, every item staying under 1 KB. Measured on dynalite by the ledger tests
 *   with a full Baijiayun record (all product lines, sealed password/partner key/secret key): 992 bytes,
 *   just under the 1 KB unit, so a longer profile (Chinese company names take 3 bytes a character) makes
 *   each account write cost 2 units, on the table and on the index alike. A Cloopen record is far smaller.
 * - `stateIndex`: what DynamoDB adds for the sparse index (dynalite does not count index writes): one unit
 *   when the pending record enters it, two when `pending → active` moves it to another index key
 *   (a delete and a put). History items are not in the index and cost nothing there.
 */
export const TYPICAL_CREATE_WRITE_UNITS = { table: 5, stateIndex: 3, total: 8 } as const;

/**
 * The {@link Ledger} on one DynamoDB table (layout in `./table.ts`), from single-item conditional writes
 * only, so it runs on dynalite as on DynamoDB.
 *
 * - `createAccount` / `beginRequest` / `recordRejection` are Puts conditional on the item not existing;
 *   `saveAccount` is a Put conditional on the stored `version` being the one read. Every write is one round
 *   trip; a redelivered `beginRequest` adds one strongly consistent read to return what is stored.
 * - `listAccounts` Queries the sparse state index once per (platform, state) pair the filter leaves open
 *   (up to 2 × 5 for no filter) instead of scanning: a Scan would read every history item too, and the
 *   history grows with every request while the number of accounts does not. Every Query is paged to the end.
 * - Throttling, 5xx, timeouts and network failures become `DependencyUnavailableError` (retryable);
 *   validation and other client errors are bugs and pass through unchanged (`./error-translation.ts`).
 * - Items hold the domain fields under their own (camelCase) names plus the key attributes, which readers
 *   strip. Undefined values are dropped before writing, at any depth (`./items.ts`).
 *
 * The DynamoDB calls themselves (capacity reporting, paging) are `./table-client.ts`; where history items
 * live and how they are updated is `./history.ts`. Cost: see {@link TYPICAL_CREATE_WRITE_UNITS}.
 *
 * Methods use `this`: call them on the ledger, do not detach them.
 */
export class DynamoDbLedger implements Ledger {
  readonly #table: LedgerTableClient;
  readonly #platforms: readonly PlatformName[];
  readonly #rejectionTtlDays: number;
  readonly #operations: LedgerOperations;
  readonly #quarantine: QuarantineStore;

  /** A ledger on `options.tableName`, which must exist with the layout of `./table.ts`. */
  constructor(options: DynamoDbLedgerOptions) {
    this.#table = new LedgerTableClient(options);
    this.#platforms = options.platforms;
    this.#rejectionTtlDays = options.rejectionTtlDays ?? 90;
    this.#operations = new LedgerOperations(this.#table, this.#platforms);
    this.#quarantine = new QuarantineStore(this.#table);
  }

  async getAccount(key: AccountKey): Promise<AccountRecord | undefined> {
    const item = await this.#table.get('getAccount', { pk: accountPartitionKey(key), sk: ACCOUNT_SORT_KEY });
    return item === undefined ? undefined : toAccountRecord(item);
  }

  async createAccount(record: AccountRecord): Promise<void> {
    if (record.version !== 1) {
      throw new LedgerUsageError(`A new account record must have version 1, not ${record.version}`);
    }
    await this.#putAccount('createAccount', record, { ConditionExpression: 'attribute_not_exists(pk)' });
  }

  async saveAccount(record: AccountRecord): Promise<void> {
    await this.#putAccount('saveAccount', record, {
      ConditionExpression: '#version = :previous',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':previous': record.version - 1 },
    });
  }

  async beginRequest(
    key: AccountKey,
    entry: HistoryEntry & { readonly requestId: string },
  ): Promise<HistoryEntry> {
    const stored = compact(entry) as HistoryEntry;
    const itemKey = historyKey(key, entry.requestId);
    if (await this.#putIfAbsent('beginRequest', { ...stored, ...itemKey })) return stored;
    // A redelivery: hand back what the first delivery stored, so the caller sees its status.
    const item = await this.#table.get('beginRequest', itemKey);
    if (item === undefined) {
      throw new ConcurrentUpdateError(`Request ${entry.requestId} existed a moment ago but is gone now`);
    }
    return toHistoryEntry(item);
  }

  async appendEvent(key: AccountKey, requestId: string, event: HistoryEvent): Promise<void> {
    try {
      await this.#table.update('appendEvent', historyKey(key, requestId), {
        ...appendEventUpdate(event),
        ConditionExpression: 'attribute_exists(pk)',
      });
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      throw new LedgerRequestNotFoundError(
        `Cannot append to request ${requestId} of ${key.platform} account ${key.tenantId}: it was never begun`,
        error,
      );
    }
  }

  async concludeRequest(key: AccountKey, requestId: string, conclusion: RequestConclusion): Promise<void> {
    const update = conclusionUpdate(conclusion);
    try {
      await this.#table.update('concludeRequest', historyKey(key, requestId), {
        ...update,
        ConditionExpression: '#status = :inProgress',
      });
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Concluded before (a redelivery): ignored. Never begun is a caller bug worth surfacing.
      if (!(await this.#requestExists('concludeRequest', key, requestId))) {
        throw new LedgerRequestNotFoundError(
          `Cannot conclude request ${requestId} of ${key.platform} account ${key.tenantId}: it was never begun`,
          error,
        );
      }
    }
  }

  async recordRejection(entry: HistoryEntry & { readonly messageId: string }): Promise<void> {
    const key = rejectionKey(entry, this.#platforms);
    const received = Date.parse(entry.receivedAt);
    const listing = {
      gsi1pk: rejectionsIndexPartitionKey(entry.receivedAt.slice(0, 10)),
      gsi1sk: `${entry.receivedAt}#${entry.messageId}`,
      [LEDGER_TTL_ATTRIBUTE]: Math.floor(received / 1000) + this.#rejectionTtlDays * 86_400,
    };
    // False when the same message was rejected before (SQS redelivered it): the first record stands.
    await this.#putIfAbsent('recordRejection', { ...compact(entry), ...key, ...listing });
  }

  async claimNaturalKey(platform: PlatformName, naturalKey: string, tenantId: string): Promise<string> {
    const key = { pk: naturalKeyPartitionKey(platform, naturalKey), sk: CLAIM_SORT_KEY };
    try {
      await this.#table.put(
        'claimNaturalKey',
        { ...key, platform, naturalKey, tenantId },
        // Re-claiming one's own key (a retry) succeeds; someone else's fails.
        {
          ConditionExpression: 'attribute_not_exists(pk) OR tenantId = :tenant',
          ExpressionAttributeValues: { ':tenant': tenantId },
        },
      );
      return tenantId;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const item = await this.#table.get('claimNaturalKey', key);
    if (typeof item?.tenantId !== 'string') {
      throw new ConcurrentUpdateError(`The claim on ${platform} ${naturalKey} changed while it was read`);
    }
    return item.tenantId;
  }

  async releaseNaturalKey(platform: PlatformName, naturalKey: string, tenantId: string): Promise<void> {
    try {
      await this.#table.delete(
        'releaseNaturalKey',
        { pk: naturalKeyPartitionKey(platform, naturalKey), sk: CLAIM_SORT_KEY },
        { ConditionExpression: 'tenantId = :tenant', ExpressionAttributeValues: { ':tenant': tenantId } },
      );
    } catch (error) {
      // Not ours (or gone already): nothing to give up.
      if (!isConditionFailure(error)) throw error;
    }
  }

  async getHistory(key: AccountKey): Promise<HistoryEntry[]> {
    const pk = accountPartitionKey(key);
    // An account and its history share a partition: one Query per item kind, no index.
    const byPrefix = (prefix: string) =>
      this.#table.queryAll('getHistory', {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
      });
    const [requests, messages] = await Promise.all([
      byPrefix(REQUEST_SORT_KEY_PREFIX),
      byPrefix(MESSAGE_SORT_KEY_PREFIX),
    ]);
    return sortHistory([...requests, ...messages].map(toHistoryEntry));
  }

  listAccounts(filter: AccountFilter = {}): AsyncIterable<AccountRecord> {
    // Read now rather than at the first `next()`, as the port's callers would expect of an argument.
    const platforms = filter.platform === undefined ? this.#platforms : [filter.platform];
    const states = filter.state === undefined ? ACCOUNT_STATES : [filter.state];
    return this.#accountsIn(platforms, states);
  }

  async listUnattributedRejections(day: string): Promise<HistoryEntry[]> {
    const items = await this.#table.queryAll('listUnattributedRejections', {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': unattributedPartitionKey(checkDay(day)) },
    });
    return sortHistory(items.map(toHistoryEntry));
  }

  getQuarantine(platform: PlatformName): Promise<QuarantineState | undefined> {
    return this.#quarantine.get(platform);
  }

  enterQuarantine(state: QuarantineState): Promise<boolean> {
    return this.#quarantine.enter(state);
  }

  claimProbe(platform: PlatformName, at: string, leaseMs: number): Promise<boolean> {
    return this.#quarantine.claimProbe(platform, at, leaseMs);
  }

  extendQuarantine(platform: PlatformName, until: string, coolDownMs: number): Promise<void> {
    return this.#quarantine.extend(platform, until, coolDownMs);
  }

  endQuarantine(platform: PlatformName): Promise<void> {
    return this.#quarantine.end(platform);
  }

  parkMessage(platform: PlatformName, message: ParkedMessage): Promise<void> {
    return this.#quarantine.park(platform, message);
  }

  listParked(platform: PlatformName): Promise<ParkedMessage[]> {
    return this.#quarantine.listParked(platform);
  }

  unpark(platform: PlatformName, messageId: string): Promise<void> {
    return this.#quarantine.unpark(platform, messageId);
  }

  listRejections(since: string, until: string, now?: Date): AsyncIterable<HistoryEntry> {
    return this.#operations.listRejections(since, until, now);
  }

  listExpired(platform: PlatformName, state: ExpiringState, before: string): AsyncIterable<ExpiringAccount> {
    return this.#operations.listExpired(platform, state, before);
  }

  countAccounts(filter?: AccountFilter): Promise<number> {
    return this.#operations.countAccounts(filter);
  }

  recordDriftScan(
    platform: PlatformName,
    observed: readonly Omit<DriftRecord, 'firstSeenAt' | 'lastSeenAt' | 'scans'>[],
    at: string,
  ): Promise<DriftRecord[]> {
    return this.#operations.recordDriftScan(platform, observed, at);
  }

  listDrift(platform?: PlatformName): Promise<DriftRecord[]> {
    return this.#operations.listDrift(platform);
  }

  resolveDrift(platform: PlatformName, id: string): Promise<void> {
    return this.#operations.resolveDrift(platform, id);
  }

  recordOperation(event: OperationEvent): Promise<void> {
    return this.#operations.recordOperation(event);
  }

  listOperations(day: string): Promise<OperationEvent[]> {
    return this.#operations.listOperations(day);
  }

  /** One Query of the sparse state index per (platform, state) pair, each paged to the end. */
  async *#accountsIn(
    platforms: readonly PlatformName[],
    states: readonly AccountState[],
  ): AsyncGenerator<AccountRecord> {
    for (const platform of platforms) {
      for (const state of states) {
        for await (const item of this.#table.query('listAccounts', {
          IndexName: LEDGER_STATE_INDEX.indexName,
          KeyConditionExpression: '#gsi1pk = :gsi1pk',
          ExpressionAttributeNames: { '#gsi1pk': LEDGER_STATE_INDEX.partitionKey },
          ExpressionAttributeValues: { ':gsi1pk': stateIndexPartitionKey(platform, state) },
        })) {
          yield toAccountRecord(item);
        }
      }
    }
  }

  /** Puts the account item if `condition` holds; a failed condition is a `ConcurrentUpdateError`. */
  async #putAccount(
    operation: 'createAccount' | 'saveAccount',
    record: AccountRecord,
    condition: WriteCondition,
  ): Promise<void> {
    try {
      await this.#table.put(operation, accountItem(record), condition);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      throw accountWriteConflict(operation, record, error);
    }
  }

  /** Puts `item` unless one with its key exists: true when it was written, false when one was there. */
  async #putIfAbsent(operation: string, item: Item): Promise<boolean> {
    try {
      await this.#table.put(operation, item, { ConditionExpression: 'attribute_not_exists(pk)' });
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return false;
    }
  }

  /** Whether a request's history exists: a key-only read, to tell a redelivery from a caller bug. */
  async #requestExists(operation: string, key: AccountKey, requestId: string): Promise<boolean> {
    return (await this.#table.get(operation, historyKey(key, requestId), 'pk')) !== undefined;
  }
}

/** The {@link DynamoDbLedger} of `options`, for callers that need only the {@link Ledger} port. */
export function createDynamoDbLedger(options: DynamoDbLedgerOptions): Ledger {
  return new DynamoDbLedger(options);
}
