import { randomUUID } from 'node:crypto';
import {
  ACCOUNT_STATES,
  type AccountFilter,
  type DriftRecord,
  type ExpiringAccount,
  type ExpiringState,
  type HistoryEntry,
  type OperationEvent,
} from '../ports/ledger.ts';
import type { PlatformName } from '../ports/platform.ts';
import { checkDay, nextDay } from './history.ts';
import { compact, stripKeys, toExpiringAccount, toHistoryEntry, toOperationEvent } from './items.ts';
import {
  driftPartitionKey,
  expiryIndexPartitionKey,
  LEDGER_EXPIRY_INDEX,
  LEDGER_STATE_INDEX,
  LEDGER_TTL_ATTRIBUTE,
  operationsPartitionKey,
  rejectionsIndexPartitionKey,
  stateIndexPartitionKey,
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
      for await (const item of this.#table.query('listRejections', {
        IndexName: LEDGER_STATE_INDEX.indexName,
        KeyConditionExpression: '#gsi1pk = :gsi1pk',
        ExpressionAttributeNames: { '#gsi1pk': LEDGER_STATE_INDEX.partitionKey },
        ExpressionAttributeValues: { ':gsi1pk': rejectionsIndexPartitionKey(day) },
      })) {
        // DynamoDB deletes expired items within days, the emulators never: skip them here.
        const ttl = item[LEDGER_TTL_ATTRIBUTE];
        if (typeof ttl === 'number' && ttl < nowSeconds) continue;
        yield toHistoryEntry(item);
      }
    }
  }

  async *listExpired(
    platform: PlatformName,
    state: ExpiringState,
    before: string,
  ): AsyncGenerator<ExpiringAccount> {
    // gsi2sk is `{expiresAt}#{tenantId}`: every key of an instant at or before `before` sorts below
    // `{before}$`, since `$` follows `#` and expiry instants are ISO strings of one length.
    for await (const item of this.#table.query('listExpired', {
      IndexName: LEDGER_EXPIRY_INDEX.indexName,
      KeyConditionExpression: '#pk = :pk AND #sk < :upper',
      ExpressionAttributeNames: {
        '#pk': LEDGER_EXPIRY_INDEX.partitionKey,
        '#sk': LEDGER_EXPIRY_INDEX.sortKey,
      },
      ExpressionAttributeValues: { ':pk': expiryIndexPartitionKey(platform, state), ':upper': `${before}$` },
    })) {
      const account = toExpiringAccount(item);
      if (account) yield account;
    }
  }

  async countAccounts(filter: AccountFilter = {}): Promise<number> {
    const platforms = filter.platform === undefined ? this.#platforms : [filter.platform];
    const states = filter.state === undefined ? ACCOUNT_STATES : [filter.state];
    let total = 0;
    for (const platform of platforms) {
      for (const state of states) {
        total += await this.#table.count('countAccounts', {
          IndexName: LEDGER_STATE_INDEX.indexName,
          KeyConditionExpression: '#gsi1pk = :gsi1pk',
          ExpressionAttributeNames: { '#gsi1pk': LEDGER_STATE_INDEX.partitionKey },
          ExpressionAttributeValues: { ':gsi1pk': stateIndexPartitionKey(platform, state) },
        });
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
}
