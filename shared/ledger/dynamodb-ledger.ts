import { type ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { isTransientAwsError } from '../aws/transient.ts';
import { ConcurrentUpdateError, DependencyUnavailableError } from '../domain/errors.ts';
import { KEY_PATTERN } from '../domain/request.ts';
import { platformNames } from '../platforms/registry.ts';
import {
  ACCOUNT_STATES,
  type AccountFilter,
  type AccountKey,
  type AccountRecord,
  type HistoryEntry,
  type HistoryEvent,
  type Ledger,
  type RequestConclusion,
} from '../ports/ledger.ts';
import type { PlatformName } from '../ports/platform.ts';
import { LedgerRequestNotFoundError, LedgerUsageError } from './errors.ts';
import {
  ACCOUNT_SORT_KEY,
  accountPartitionKey,
  CLAIM_SORT_KEY,
  LEDGER_KEY_ATTRIBUTES,
  LEDGER_STATE_INDEX,
  MESSAGE_SORT_KEY_PREFIX,
  naturalKeyPartitionKey,
  REQUEST_SORT_KEY_PREFIX,
  stateIndexPartitionKey,
  unattributedPartitionKey,
} from './table.ts';

/** Whether consumed capacity was spent reading or writing. */
export type CapacityKind = 'read' | 'write';

/** Options of {@link createDynamoDbLedger}. */
export interface DynamoDbLedgerOptions {
  /**
   * A document client, or a plain client that the ledger wraps in one. Retries and timeouts are the
   * client's own configuration: the ledger adds none. A document client must not set `wrapNumbers`.
   */
  readonly client: DynamoDBDocumentClient | DynamoDBClient;
  readonly tableName: string;
  /**
   * Called after each DynamoDB call with the capacity units it consumed (`ReturnConsumedCapacity: TOTAL`
   * is requested only when this is set). `operation` is the ledger method, e.g. `saveAccount`.
   */
  readonly onConsumedCapacity?: ((units: number, operation: string, kind: CapacityKind) => void) | undefined;
  /** Items per Query page (DynamoDB's `Limit`); unset means DynamoDB's 1 MB pages. For tests of paging. */
  readonly pageSize?: number | undefined;
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

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

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
 *   validation and other client errors are bugs and pass through unchanged.
 * - Items hold the domain fields under their own (camelCase) names plus the key attributes, which readers
 *   strip. Undefined values are dropped before writing, at any depth.
 *
 * Cost: see {@link TYPICAL_CREATE_WRITE_UNITS}.
 */
export function createDynamoDbLedger(options: DynamoDbLedgerOptions): Ledger {
  const { tableName, onConsumedCapacity, pageSize } = options;
  const client =
    options.client instanceof DynamoDBClient
      ? DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } })
      : options.client;
  const returnCapacity = onConsumedCapacity === undefined ? {} : { ReturnConsumedCapacity: 'TOTAL' as const };

  async function call<T extends { ConsumedCapacity?: ConsumedCapacity | undefined }>(
    operation: string,
    kind: CapacityKind,
    send: () => Promise<T>,
  ): Promise<T> {
    let output: T;
    try {
      output = await send();
    } catch (error) {
      if (isTransientAwsError(error)) {
        const name = error instanceof Error ? error.name : 'error';
        throw new DependencyUnavailableError(
          `Ledger ${operation} on table ${tableName} failed: ${name}`,
          error,
        );
      }
      throw error;
    }
    const units = output.ConsumedCapacity?.CapacityUnits;
    if (onConsumedCapacity !== undefined && units !== undefined) onConsumedCapacity(units, operation, kind);
    return output;
  }

  async function* query(
    operation: string,
    input: QueryCommandInput,
  ): AsyncGenerator<Record<string, unknown>> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await call(operation, 'read', () =>
        client.send(
          new QueryCommand({
            ...input,
            ...returnCapacity,
            ...(pageSize === undefined ? {} : { Limit: pageSize }),
            ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
          }),
        ),
      );
      yield* page.Items ?? [];
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  }

  async function queryAll(operation: string, input: QueryCommandInput): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for await (const item of query(operation, input)) items.push(item);
    return items;
  }

  function historyKey(key: AccountKey, requestId: string) {
    return { pk: accountPartitionKey(key), sk: `${REQUEST_SORT_KEY_PREFIX}${requestId}` };
  }

  async function requestExists(operation: string, key: AccountKey, requestId: string): Promise<boolean> {
    const { Item } = await call(operation, 'read', () =>
      client.send(
        new GetCommand({
          TableName: tableName,
          Key: historyKey(key, requestId),
          ProjectionExpression: 'pk',
          ConsistentRead: true,
          ...returnCapacity,
        }),
      ),
    );
    return Item !== undefined;
  }

  async function putAccount(
    operation: string,
    record: AccountRecord,
    condition: ConditionInput,
  ): Promise<void> {
    try {
      await call(operation, 'write', () =>
        client.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...compact(record),
              pk: accountPartitionKey(record),
              sk: ACCOUNT_SORT_KEY,
              gsi1pk: stateIndexPartitionKey(record.platform, record.state),
              gsi1sk: record.tenantId,
            },
            ...condition,
            ...returnCapacity,
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const what = `${record.platform} account ${record.tenantId}`;
      throw new ConcurrentUpdateError(
        operation === 'createAccount'
          ? `Cannot create ${what}: it already exists`
          : `Cannot save ${what} at version ${record.version}: the stored version is not ${record.version - 1}`,
        error,
      );
    }
  }

  return {
    async getAccount(key) {
      const { Item } = await call('getAccount', 'read', () =>
        client.send(
          new GetCommand({
            TableName: tableName,
            Key: { pk: accountPartitionKey(key), sk: ACCOUNT_SORT_KEY },
            // Writes are conditional on the version read here: a stale read would only buy a conflict.
            ConsistentRead: true,
            ...returnCapacity,
          }),
        ),
      );
      return Item === undefined ? undefined : (stripKeys(Item) as unknown as AccountRecord);
    },

    async createAccount(record) {
      if (record.version !== 1) {
        throw new LedgerUsageError(`A new account record must have version 1, not ${record.version}`);
      }
      await putAccount('createAccount', record, { ConditionExpression: 'attribute_not_exists(pk)' });
    },

    async saveAccount(record) {
      await putAccount('saveAccount', record, {
        ConditionExpression: '#version = :previous',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':previous': record.version - 1 },
      });
    },

    async beginRequest(key, entry) {
      const stored = compact(entry) as HistoryEntry;
      const itemKey = historyKey(key, entry.requestId);
      try {
        await call('beginRequest', 'write', () =>
          client.send(
            new PutCommand({
              TableName: tableName,
              Item: { ...stored, ...itemKey },
              ConditionExpression: 'attribute_not_exists(pk)',
              ...returnCapacity,
            }),
          ),
        );
        return stored;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      // A redelivery: hand back what the first delivery stored, so the caller sees its status.
      const { Item } = await call('beginRequest', 'read', () =>
        client.send(
          new GetCommand({ TableName: tableName, Key: itemKey, ConsistentRead: true, ...returnCapacity }),
        ),
      );
      if (Item === undefined) {
        throw new ConcurrentUpdateError(`Request ${entry.requestId} existed a moment ago but is gone now`);
      }
      return stripKeys(Item) as unknown as HistoryEntry;
    },

    async appendEvent(key, requestId, event) {
      try {
        await call('appendEvent', 'write', () =>
          client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: historyKey(key, requestId),
              UpdateExpression: 'SET #events = list_append(if_not_exists(#events, :none), :event)',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeNames: { '#events': 'events' },
              ExpressionAttributeValues: { ':event': [compact(event)], ':none': [] },
              ...returnCapacity,
            }),
          ),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        throw new LedgerRequestNotFoundError(
          `Cannot append to request ${requestId} of ${key.platform} account ${key.tenantId}: it was never begun`,
          error,
        );
      }
    },

    async concludeRequest(key, requestId, conclusion) {
      const update = conclusionUpdate(conclusion);
      try {
        await call('concludeRequest', 'write', () =>
          client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: historyKey(key, requestId),
              ...update,
              ConditionExpression: '#status = :inProgress',
              ...returnCapacity,
            }),
          ),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Concluded before (a redelivery): ignored. Never begun is a caller bug worth surfacing.
        if (!(await requestExists('concludeRequest', key, requestId))) {
          throw new LedgerRequestNotFoundError(
            `Cannot conclude request ${requestId} of ${key.platform} account ${key.tenantId}: it was never begun`,
            error,
          );
        }
      }
    },

    async recordRejection(entry) {
      const pk = isAttributable(entry)
        ? accountPartitionKey({ platform: entry.platform, tenantId: entry.tenantId })
        : unattributedPartitionKey(utcDay(entry.receivedAt));
      try {
        await call('recordRejection', 'write', () =>
          client.send(
            new PutCommand({
              TableName: tableName,
              Item: { ...compact(entry), pk, sk: `${MESSAGE_SORT_KEY_PREFIX}${entry.messageId}` },
              ConditionExpression: 'attribute_not_exists(pk)',
              ...returnCapacity,
            }),
          ),
        );
      } catch (error) {
        // The same message rejected again (SQS redelivered it): the first record stands.
        if (!isConditionFailure(error)) throw error;
      }
    },

    async claimNaturalKey(platform, naturalKey, tenantId) {
      const Key = { pk: naturalKeyPartitionKey(platform, naturalKey), sk: CLAIM_SORT_KEY };
      try {
        await call('claimNaturalKey', 'write', () =>
          client.send(
            new PutCommand({
              TableName: tableName,
              Item: { ...Key, platform, naturalKey, tenantId },
              // Re-claiming one's own key (a retry) succeeds; someone else's fails.
              ConditionExpression: 'attribute_not_exists(pk) OR tenantId = :tenant',
              ExpressionAttributeValues: { ':tenant': tenantId },
              ...returnCapacity,
            }),
          ),
        );
        return tenantId;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const { Item } = await call('claimNaturalKey', 'read', () =>
        client.send(new GetCommand({ TableName: tableName, Key, ConsistentRead: true, ...returnCapacity })),
      );
      if (typeof Item?.tenantId !== 'string') {
        throw new ConcurrentUpdateError(`The claim on ${platform} ${naturalKey} changed while it was read`);
      }
      return Item.tenantId;
    },

    async releaseNaturalKey(platform, naturalKey, tenantId) {
      try {
        await call('releaseNaturalKey', 'write', () =>
          client.send(
            new DeleteCommand({
              TableName: tableName,
              Key: { pk: naturalKeyPartitionKey(platform, naturalKey), sk: CLAIM_SORT_KEY },
              ConditionExpression: 'tenantId = :tenant',
              ExpressionAttributeValues: { ':tenant': tenantId },
              ...returnCapacity,
            }),
          ),
        );
      } catch (error) {
        // Not ours (or gone already): nothing to give up.
        if (!isConditionFailure(error)) throw error;
      }
    },

    async getHistory(key) {
      const pk = accountPartitionKey(key);
      const byPrefix = (prefix: string) =>
        queryAll('getHistory', {
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
        });
      const [requests, messages] = await Promise.all([
        byPrefix(REQUEST_SORT_KEY_PREFIX),
        byPrefix(MESSAGE_SORT_KEY_PREFIX),
      ]);
      return sortHistory(
        [...requests, ...messages].map((item) => stripKeys(item) as unknown as HistoryEntry),
      );
    },

    listAccounts(filter: AccountFilter = {}) {
      const platforms = filter.platform === undefined ? platformNames : [filter.platform];
      const states = filter.state === undefined ? ACCOUNT_STATES : [filter.state];
      return (async function* () {
        for (const platform of platforms) {
          for (const state of states) {
            for await (const item of query('listAccounts', {
              TableName: tableName,
              IndexName: LEDGER_STATE_INDEX.indexName,
              KeyConditionExpression: '#gsi1pk = :gsi1pk',
              ExpressionAttributeNames: { '#gsi1pk': LEDGER_STATE_INDEX.partitionKey },
              ExpressionAttributeValues: { ':gsi1pk': stateIndexPartitionKey(platform, state) },
            })) {
              yield stripKeys(item) as unknown as AccountRecord;
            }
          }
        }
      })();
    },

    async listUnattributedRejections(day) {
      if (!DAY_PATTERN.test(day))
        throw new LedgerUsageError(`Day must be YYYY-MM-DD, not ${JSON.stringify(day)}`);
      const items = await queryAll('listUnattributedRejections', {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': unattributedPartitionKey(day) },
      });
      return sortHistory(items.map((item) => stripKeys(item) as unknown as HistoryEntry));
    },
  };
}

interface ConditionInput {
  readonly ConditionExpression: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
}

/** The UpdateItem parts that conclude a request; `result`/`error` are set only when present. */
function conclusionUpdate(conclusion: RequestConclusion) {
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

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

function isAttributable(
  entry: HistoryEntry,
): entry is HistoryEntry & { readonly platform: PlatformName; readonly tenantId: string } {
  return (
    typeof entry.platform === 'string' &&
    platformNames.includes(entry.platform) &&
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

/** Oldest first by `receivedAt` (as instants, so offsets compare correctly), then by id. */
function sortHistory(entries: HistoryEntry[]): HistoryEntry[] {
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

function stripKeys(item: Record<string, unknown>): Record<string, unknown> {
  const stripped = { ...item };
  for (const name of LEDGER_KEY_ATTRIBUTES) delete stripped[name];
  return stripped;
}

/**
 * A copy without `undefined` anywhere (object properties and list elements), so a caller's document client
 * that lacks `removeUndefinedValues` cannot fail on, or store, an absent optional field.
 */
function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((element) => element !== undefined).map(compact) as T;
  if (typeof value === 'object' && value !== null && isPlain(value)) {
    const result: Record<string, unknown> = {};
    for (const [name, field] of Object.entries(value)) if (field !== undefined) result[name] = compact(field);
    return result as T;
  }
  return value;
}

function isPlain(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
