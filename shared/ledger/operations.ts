import { randomUUID } from 'node:crypto';
import type {
  AccountFilter,
  AccountRecord,
  AccountState,
  DriftRecord,
  DueAccount,
  ExpiryPhase,
  HistoryEntry,
  OperationEvent,
} from '../ports/ledger.ts';
import type { PlatformName } from '../ports/platform.ts';
import { checkDay, nextDay } from './history.ts';
import {
  compact,
  type Item,
  stripKeys,
  toAccountRecord,
  toDueAccount,
  toHistoryEntry,
  toOperationEvent,
} from './items.ts';
import {
  ACCOUNT_PHASES,
  type AccountPhase,
  driftPartitionKey,
  LEDGER_INDEX,
  LEDGER_TTL_ATTRIBUTE,
  operationsPartitionKey,
  phaseIndexPartitionKey,
  rejectionsIndexPartitionKey,
} from './table.ts';
import { ANY_ITEM, type LedgerTableClient } from './table-client.ts';

/**
 * The ledger's operations side, apart from the request path: what the sweep, reconciliation and operators
 * read and keep (expiring accounts, counts, drift, operations events, rejections by day). `DynamoDbLedger`
 * delegates to it.
 */
export class LedgerOperations {
  readonly #table: LedgerTableClient;
  readonly #platforms: readonly PlatformName[];

  constructor(table: LedgerTableClient, platforms: readonly PlatformName[]) {
    this.#table = table;
    this.#platforms = platforms;
  }

  async *listRejections(since: string, until: string, now: Date = new Date()): AsyncGenerator<HistoryEntry> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    for (let day = checkDay(since); day <= checkDay(until); day = nextDay(day)) {
      for await (const item of this.#itemsOf('listRejections', rejectionsIndexPartitionKey(day))) {
        // DynamoDB deletes expired items within days, the emulators never: skip them here.
        const ttl = item[LEDGER_TTL_ATTRIBUTE];
        if (typeof ttl === 'number' && ttl < nowSeconds) continue;
        yield toHistoryEntry(item);
      }
    }
  }

  async *listAccounts(filter: AccountFilter = {}): AsyncGenerator<AccountRecord> {
    const platforms = filter.platform === undefined ? this.#platforms : [filter.platform];
    const phases = filter.state === undefined ? ACCOUNT_PHASES : PHASES_OF[filter.state];
    for (const platform of platforms) {
      for (const phase of phases) {
        for await (const item of this.#itemsOf('listAccounts', phaseIndexPartitionKey(platform, phase))) {
          const account = toAccountRecord(item);
          if (filter.state === undefined || account.state === filter.state) yield account;
        }
      }
    }
  }

  async *listDue(platform: PlatformName, phase: ExpiryPhase, before: string): AsyncGenerator<DueAccount> {
    // gsi1sk is `{expiresAt}#{tenantId}`: every key of an instant at or before `before` sorts below
    // `{before}$`, since `$` follows `#` and expiry instants are ISO strings of one length.
    for await (const item of this.#table.query('listDue', {
      IndexName: LEDGER_INDEX.indexName,
      KeyConditionExpression: '#pk = :pk AND #sk < :upper',
      ExpressionAttributeNames: { '#pk': LEDGER_INDEX.partitionKey, '#sk': LEDGER_INDEX.sortKey },
      ExpressionAttributeValues: { ':pk': phaseIndexPartitionKey(platform, phase), ':upper': `${before}$` },
    })) {
      const account = toDueAccount(item, platform, phase);
      if (account) yield account;
    }
  }

  async countLiveAccounts(platform?: PlatformName, upTo = Number.POSITIVE_INFINITY): Promise<number> {
    const platforms = platform === undefined ? this.#platforms : [platform];
    let total = 0;
    for (const name of platforms) {
      for (const phase of LIVE_PHASES) {
        if (total >= upTo) return total;
        total += await this.#table.count(
          'countLiveAccounts',
          {
            IndexName: LEDGER_INDEX.indexName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': LEDGER_INDEX.partitionKey },
            ExpressionAttributeValues: { ':pk': phaseIndexPartitionKey(name, phase) },
          },
          upTo - total,
        );
      }
    }
    return total;
  }

  async recordDriftScan(
    platform: PlatformName,
    observed: readonly Omit<DriftRecord, 'firstSeenAt' | 'lastSeenAt' | 'scans'>[],
    at: string,
  ): Promise<DriftRecord[]> {
    const before = new Map((await this.listDrift(platform)).map((d) => [d.id, d]));
    const recorded: DriftRecord[] = observed.map((drift) => {
      const earlier = before.get(drift.id);
      return {
        ...drift,
        firstSeenAt: earlier?.firstSeenAt ?? at,
        lastSeenAt: at,
        scans: (earlier?.scans ?? 0) + 1,
      };
    });
    const pk = driftPartitionKey(platform);
    for (const drift of recorded) {
      await this.#table.put('recordDriftScan', { ...compact(drift), pk, sk: drift.id }, ANY_ITEM);
    }
    const seen = new Set(recorded.map((d) => d.id));
    for (const id of before.keys()) {
      if (!seen.has(id)) await this.resolveDrift(platform, id);
    }
    return recorded;
  }

  async listDrift(platform?: PlatformName): Promise<DriftRecord[]> {
    const platforms = platform === undefined ? this.#platforms : [platform];
    const out: DriftRecord[] = [];
    for (const name of platforms) {
      const items = await this.#table.queryAll('listDrift', {
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': driftPartitionKey(name) },
      });
      out.push(...items.map((item) => stripKeys(item) as unknown as DriftRecord));
    }
    return out;
  }

  async resolveDrift(platform: PlatformName, id: string): Promise<void> {
    await this.#table.delete('resolveDrift', { pk: driftPartitionKey(platform), sk: id }, ANY_ITEM);
  }

  async recordOperation(event: OperationEvent): Promise<void> {
    const item = {
      ...compact(event),
      pk: operationsPartitionKey(event.at.slice(0, 10)),
      sk: `${event.at}#${event.kind}#${randomUUID()}`,
    };
    await this.#table.put('recordOperation', item, { ConditionExpression: 'attribute_not_exists(pk)' });
  }

  async listOperations(day: string): Promise<OperationEvent[]> {
    const items = await this.#table.queryAll('listOperations', {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': operationsPartitionKey(checkDay(day)) },
    });
    return items.map((item) => toOperationEvent(stripKeys(item)));
  }

  /**
   * The items an index partition lists, in index order: the keys a page of the (keys-only) index gives,
   * then those items in one BatchGetItem per page.
   */
  async *#itemsOf(operation: string, partition: string): AsyncGenerator<Item> {
    let page: Item[] = [];
    const flush = async function* (this: LedgerOperations, keys: Item[]) {
      const items = await this.#table.batchGet(
        operation,
        keys.map((key) => ({ pk: key.pk, sk: key.sk })),
      );
      const byKey = new Map(items.map((item) => [`${item.pk}\u0000${item.sk}`, item]));
      for (const key of keys) {
        const item = byKey.get(`${key.pk}\u0000${key.sk}`);
        // Gone between the index read and the item read (the index lags the table): skip it.
        if (item !== undefined) yield item;
      }
    };
    for await (const key of this.#table.query(operation, {
      IndexName: LEDGER_INDEX.indexName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': LEDGER_INDEX.partitionKey },
      ExpressionAttributeValues: { ':pk': partition },
    })) {
      page.push(key);
      if (page.length === ITEMS_PER_READ) {
        yield* flush.call(this, page);
        page = [];
      }
    }
    if (page.length > 0) yield* flush.call(this, page);
  }
}

/** Keys per BatchGetItem of a listing. */
const ITEMS_PER_READ = 100;

/** The phases live (active or suspended) accounts are filed under. */
const LIVE_PHASES = ['open', 'expired'] as const satisfies readonly AccountPhase[];

/** Where accounts of each state may be filed. */
const PHASES_OF: Readonly<Record<AccountState, readonly AccountPhase[]>> = {
  active: ['open'],
  suspended: LIVE_PHASES,
  pending: ['pending'],
  closed: ['closed'],
  failed: ['failed'],
};
