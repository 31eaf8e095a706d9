import { ConcurrentUpdateError } from '../domain/errors.ts';
import type {
  AccountFilter,
  AccountKey,
  AccountRecord,
  DriftRecord,
  DueAccount,
  ExpiryPhase,
  HistoryEntry,
  HistoryEvent,
  Ledger,
  NaturalKeyClaim,
  OperationEvent,
  ParkedMessage,
  QuarantineState,
  RequestCommit,
  RequestOpening,
  RequestView,
} from '../ports/ledger.ts';
import type { PlatformName } from '../ports/platform.ts';
import { accountWriteConflict, isConditionFailure } from './error-translation.ts';
import { LedgerUsageError } from './errors.ts';
import { checkDay, rejectionKey, sortHistory } from './history.ts';
import { accountItem, compact, toAccountRecord, toHistoryEntry } from './items.ts';
import { LedgerOperations } from './operations.ts';
import { QuarantineStore } from './quarantine-store.ts';
import { RequestStore } from './request-store.ts';
import {
  ACCOUNT_SORT_KEY,
  accountPartitionKey,
  CLAIM_SORT_KEY,
  LEDGER_TTL_ATTRIBUTE,
  MESSAGE_SORT_KEY_PREFIX,
  naturalKeyPartitionKey,
  REQUEST_SORT_KEY_PREFIX,
  rejectionsIndexPartitionKey,
  unattributedPartitionKey,
} from './table.ts';
import {
  conditionFailureString,
  LedgerTableClient,
  type LedgerTableOptions,
  type WriteCondition,
} from './table-client.ts';

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
 * Write units of the request path, table and index together, by DynamoDB's billing rules (items under
 * 1 KB; the bench computes them from the actual items and the index layout):
 *
 * - create: the natural-key claim, the account record, the request's history (3 table units), and the
 *   record entering the index (1): 4, in two round trips (claim ∥ read, then account ∥ history).
 * - suspend, resume, update: the account record and the history (2); the index keys do not change.
 * - close: 2, plus 2 in the index (the record moves to the `closed` phase: a delete and a put).
 * - a duplicate delivery: 1 (an event appended to the history).
 *
 * A Baijiayun record with every product line and a long profile in Chinese may pass 1 KB, and then costs 2
 * units per account write.
 */
export const TYPICAL_WRITE_UNITS = {
  create: 4,
  suspend: 2,
  resume: 2,
  update: 2,
  close: 4,
  duplicate: 1,
} as const;

/**
 * The {@link Ledger} on one DynamoDB table (layout in `./table.ts`), from single-item conditional writes
 * only, so it runs on dynalite as on DynamoDB.
 *
 * - The request path is two round trips: `readRequest` (one BatchGetItem of the account and the request's
 *   history; a create claims its natural key alongside), then `commitRequest` (the account Put, conditional
 *   on the version read, beside the history's one UpdateItem). The history of a request is written once
 *   when it succeeds at its first delivery.
 * - `listAccounts` / `listRejections` read keys from the one keys-only index and the items with
 *   BatchGetItem; `listDue` reads only index keys. A Scan would read every history item too, and the
 *   history grows with every request while the number of accounts does not.
 * - Throttling, 5xx, timeouts and network failures become `DependencyUnavailableError` (retryable);
 *   validation and other client errors are bugs and pass through unchanged (`./error-translation.ts`).
 * - Items hold the domain fields under their own (camelCase) names plus the key attributes, which readers
 *   strip. Undefined values are dropped before writing, at any depth (`./items.ts`).
 *
 * The DynamoDB calls themselves (capacity reporting, paging, batching) are `./table-client.ts`; where
 * history items live and how they are updated is `./history.ts`. Cost: see {@link TYPICAL_WRITE_UNITS}.
 *
 * Methods use `this`: call them on the ledger, do not detach them.
 */
export class DynamoDbLedger implements Ledger {
  readonly #table: LedgerTableClient;
  readonly #platforms: readonly PlatformName[];
  readonly #rejectionTtlDays: number;
  readonly #operations: LedgerOperations;
  readonly #quarantine: QuarantineStore;
  readonly #requests: RequestStore;

  /** A ledger on `options.tableName`, which must exist with the layout of `./table.ts`. */
  constructor(options: DynamoDbLedgerOptions) {
    this.#table = new LedgerTableClient(options);
    this.#platforms = options.platforms;
    this.#rejectionTtlDays = options.rejectionTtlDays ?? 90;
    this.#operations = new LedgerOperations(this.#table, this.#platforms);
    this.#quarantine = new QuarantineStore(this.#table);
    this.#requests = new RequestStore(this.#table);
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

  readRequest(key: AccountKey, requestId: string): Promise<RequestView> {
    return this.#requests.read(key, requestId);
  }

  recordAttempt(key: AccountKey, opening: RequestOpening, events: readonly HistoryEvent[]): Promise<void> {
    return this.#requests.recordAttempt(key, opening, events);
  }

  appendEvent(key: AccountKey, requestId: string, event: HistoryEvent): Promise<void> {
    return this.#requests.appendEvent(key, requestId, event);
  }

  async commitRequest(key: AccountKey, commit: RequestCommit): Promise<void> {
    const { account } = commit;
    if (account !== undefined && (account.platform !== key.platform || account.tenantId !== key.tenantId)) {
      throw new LedgerUsageError(
        `commitRequest for ${key.platform}/${key.tenantId} was given another account`,
      );
    }
    const save = () =>
      account === undefined
        ? undefined
        : account.version === 1
          ? this.createAccount(account)
          : this.saveAccount(account);
    if (commit.redo) {
      // Replacing a conclusion: only once this delivery's account write has won.
      await save();
      await this.#requests.conclude(key, commit);
      return;
    }
    // Side by side: the retry tells which one landed (see `HistoryEntry.accountVersion`).
    const [saved, concluded] = await Promise.allSettled([save(), this.#requests.conclude(key, commit)]);
    if (saved.status === 'rejected') throw saved.reason;
    if (concluded.status === 'rejected') throw concluded.reason;
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
    await this.#table.putIfAbsent('recordRejection', { ...compact(entry), ...key, ...listing });
  }

  async claimNaturalKey(
    platform: PlatformName,
    naturalKey: string,
    tenantId: string,
    requestId?: string,
  ): Promise<NaturalKeyClaim> {
    const key = { pk: naturalKeyPartitionKey(platform, naturalKey), sk: CLAIM_SORT_KEY };
    try {
      const before = await this.#table.put(
        'claimNaturalKey',
        compact({ ...key, platform, naturalKey, tenantId, requestId }),
        // Re-claiming one's own key (a retry) succeeds; someone else's fails.
        {
          ConditionExpression: 'attribute_not_exists(pk) OR tenantId = :tenant',
          ExpressionAttributeValues: { ':tenant': tenantId },
        },
        { returnOld: true },
      );
      return { holder: tenantId, heldBefore: before !== undefined };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // DynamoDB hands back the holder with the failure; dynalite does not, so read it then.
      const holder =
        conditionFailureString(error, 'tenantId') ??
        (await this.#table.get('claimNaturalKey', key))?.tenantId;
      if (typeof holder !== 'string') {
        throw new ConcurrentUpdateError(
          `The claim on ${platform} ${naturalKey} changed while it was read`,
          error,
        );
      }
      return { holder, heldBefore: false };
    }
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
    return this.#operations.listAccounts(filter);
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

  listDue(platform: PlatformName, phase: ExpiryPhase, before: string): AsyncIterable<DueAccount> {
    return this.#operations.listDue(platform, phase, before);
  }

  countLiveAccounts(platform?: PlatformName, upTo?: number): Promise<number> {
    return this.#operations.countLiveAccounts(platform, upTo);
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
}

/** The {@link DynamoDbLedger} of `options`, for callers that need only the {@link Ledger} port. */
export function createDynamoDbLedger(options: DynamoDbLedgerOptions): Ledger {
  return new DynamoDbLedger(options);
}
