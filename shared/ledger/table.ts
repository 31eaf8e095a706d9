import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type TableDescription,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import type { AccountKey, AccountState } from '../ports/ledger.ts';
import type { PlatformName } from '../ports/platform.ts';
import { LedgerTableMismatchError, LedgerTableNotReadyError } from './errors.ts';

/**
 * The ledger's single table, as data: the local stack and the tests create it with {@link createLedgerTable},
 * the CDK stack builds the same keys and index from these constants.
 *
 * Layout (every key is a string; `#` cannot occur in platform names, tenant ids or states, since the event
 * contract restricts tenant ids to `A-Z a-z 0-9 . _ : -`):
 *
 * | item | `pk` | `sk` | `gsi1pk` / `gsi1sk` |
 * |---|---|---|---|
 * | account record | `ACCOUNT#{platform}#{tenantId}` | `STATE` | `{platform}#{state}` / `{tenantId}` |
 * | request history | `ACCOUNT#{platform}#{tenantId}` | `REQUEST#{requestId}` | — |
 * | rejected message, valid account | `ACCOUNT#{platform}#{tenantId}` | `MESSAGE#{messageId}` | — |
 * | rejected message, no valid account | `UNATTRIBUTED#{YYYY-MM-DD}` | `MESSAGE#{messageId}` | — |
 * | natural-key claim (friendlyName, mobile) | `NATURALKEY#{platform}#{naturalKey}` | `CLAIM` | — |
 * | operations event (a tripped sweep guard) | `OPERATIONS#{YYYY-MM-DD}` | `{at}#{kind}#{id}` | — |
 * | drift seen by reconciliation | `DRIFT#{platform}` | `{kind}:{subAccountId}` | — |
 * | quarantine of a platform / a message parked by it | `QUARANTINE#{platform}` | `STATE` / `PARKED#{messageId}` | — |
 *
 * Rejection records (both kinds) also carry `gsi1pk` = `REJECTED#{YYYY-MM-DD}` and `gsi1sk` =
 * `{receivedAt}#{messageId}`, so `listRejections` reads them by day without a Scan, and a `ttl`.
 *
 * An account record that is active or suspended and has an `expiresAt` also carries `gsi2pk` =
 * `{platform}#{state}`: with `expiresAt` itself as sort key, that is the expiry index. Reusing the record's
 * own field keeps a full account item under DynamoDB's 1 KB write unit.
 *
 * An account and all its history share one partition, so `getHistory` is one Query per item kind. Both
 * indexes are sparse: only account records carry their keys, so history never costs index writes, and an
 * account leaves the expiry index when it is closed (or loses its expiry).
 */
export const LEDGER_TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

/** The sparse index of account records by platform and state (`listAccounts`). Projects every attribute. */
export const LEDGER_STATE_INDEX = {
  indexName: 'byPlatformState',
  partitionKey: 'gsi1pk',
  sortKey: 'gsi1sk',
} as const;

/**
 * The sparse index of active and suspended accounts by platform, state and expiry (`listExpired`): the
 * expiry sweep reads only the accounts that are due, however large the table. It projects only what the
 * sweep reads.
 */
export const LEDGER_EXPIRY_INDEX = {
  indexName: 'byExpiry',
  partitionKey: 'gsi2pk',
  sortKey: 'expiresAt',
  projected: ['platform', 'tenantId', 'state'],
} as const;

/**
 * The attribute DynamoDB's TTL deletes items by (epoch seconds). Only rejection records carry it; neither
 * emulator deletes them, so readers skip expired ones themselves.
 */
export const LEDGER_TTL_ATTRIBUTE = 'ttl';

/** The states in the expiry index: the ones the sweep acts on. */
export const EXPIRING_STATES = ['active', 'suspended'] as const;

/** Attributes that exist only for DynamoDB's sake; readers strip them before handing items out. */
export const LEDGER_KEY_ATTRIBUTES: readonly string[] = [
  LEDGER_TABLE_KEYS.partitionKey,
  LEDGER_TABLE_KEYS.sortKey,
  LEDGER_STATE_INDEX.partitionKey,
  LEDGER_STATE_INDEX.sortKey,
  LEDGER_EXPIRY_INDEX.partitionKey,
  LEDGER_TTL_ATTRIBUTE,
];

/** `sk` of an account record. */
export const ACCOUNT_SORT_KEY = 'STATE';
/** `sk` prefix of request histories. */
export const REQUEST_SORT_KEY_PREFIX = 'REQUEST#';
/** `sk` prefix of rejected messages. */
export const MESSAGE_SORT_KEY_PREFIX = 'MESSAGE#';

/** `pk` of an account's partition. */
export function accountPartitionKey(key: AccountKey): string {
  return `ACCOUNT#${key.platform}#${key.tenantId}`;
}

/** `pk` prefix of natural-key claims (the deployed handler may delete only these). */
export const NATURAL_KEY_PARTITION_PREFIX = 'NATURALKEY#';

/** `pk` of the claim on a platform's natural key (friendlyName, mobile); its `sk` is {@link CLAIM_SORT_KEY}. */
export function naturalKeyPartitionKey(platform: PlatformName, naturalKey: string): string {
  return `${NATURAL_KEY_PARTITION_PREFIX}${platform}#${naturalKey}`;
}

/** `sk` of a natural-key claim. */
export const CLAIM_SORT_KEY = 'CLAIM';

/** `pk` of one UTC day's unattributed rejections. */
export function unattributedPartitionKey(day: string): string {
  return `UNATTRIBUTED#${day}`;
}

/** `gsi1pk` of a rejection record: rejections are listed by UTC day on the state index. */
export function rejectionsIndexPartitionKey(day: string): string {
  return `REJECTED#${day}`;
}

/** `pk` prefix of reconciliation's drift records (its function may write only these). */
export const DRIFT_PARTITION_PREFIX = 'DRIFT#';

/** `pk` of one platform's drift records. */
export function driftPartitionKey(platform: PlatformName): string {
  return `${DRIFT_PARTITION_PREFIX}${platform}`;
}

/** `pk` prefix of quarantine items: a platform's state (`STATE`) and its parked messages (`PARKED#{id}`). */
export const QUARANTINE_PARTITION_PREFIX = 'QUARANTINE#';

/** `pk` of one platform's quarantine items. */
export function quarantinePartitionKey(platform: PlatformName): string {
  return `${QUARANTINE_PARTITION_PREFIX}${platform}`;
}

/** `pk` prefix of operations events (the sweep may write only these). */
export const OPERATIONS_PARTITION_PREFIX = 'OPERATIONS#';

/** `pk` of one UTC day's operations events. */
export function operationsPartitionKey(day: string): string {
  return `${OPERATIONS_PARTITION_PREFIX}${day}`;
}

/** `gsi2pk` of an account record in the expiry index. */
export function expiryIndexPartitionKey(platform: PlatformName, state: AccountState): string {
  return `${platform}#${state}`;
}

/** `gsi1pk` of an account record. */
export function stateIndexPartitionKey(platform: PlatformName, state: AccountState): string {
  return `${platform}#${state}`;
}

const KEY_SCHEMA: KeySchemaElement[] = [
  { AttributeName: LEDGER_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
  { AttributeName: LEDGER_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
];

const INDEX_KEY_SCHEMA: KeySchemaElement[] = [
  { AttributeName: LEDGER_STATE_INDEX.partitionKey, KeyType: 'HASH' },
  { AttributeName: LEDGER_STATE_INDEX.sortKey, KeyType: 'RANGE' },
];

const EXPIRY_INDEX_KEY_SCHEMA: KeySchemaElement[] = [
  { AttributeName: LEDGER_EXPIRY_INDEX.partitionKey, KeyType: 'HASH' },
  { AttributeName: LEDGER_EXPIRY_INDEX.sortKey, KeyType: 'RANGE' },
];

const ATTRIBUTE_DEFINITIONS: AttributeDefinition[] = [
  LEDGER_TABLE_KEYS.partitionKey,
  LEDGER_TABLE_KEYS.sortKey,
  LEDGER_STATE_INDEX.partitionKey,
  LEDGER_STATE_INDEX.sortKey,
  LEDGER_EXPIRY_INDEX.partitionKey,
  LEDGER_EXPIRY_INDEX.sortKey,
].map((name) => ({ AttributeName: name, AttributeType: 'S' }));

/** The expiry index, as CreateTable and UpdateTable take it. */
const expiryIndex: GlobalSecondaryIndex = {
  IndexName: LEDGER_EXPIRY_INDEX.indexName,
  KeySchema: EXPIRY_INDEX_KEY_SCHEMA,
  Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...LEDGER_EXPIRY_INDEX.projected] },
};

/** The CreateTable request for a ledger table: on-demand billing, the key schema and the state index. */
export function ledgerTableDefinition(tableName: string): CreateTableCommandInput {
  const index: GlobalSecondaryIndex = {
    IndexName: LEDGER_STATE_INDEX.indexName,
    KeySchema: INDEX_KEY_SCHEMA,
    // ALL: listAccounts returns whole records without a read per item; account records are small.
    Projection: { ProjectionType: 'ALL' },
  };
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: ATTRIBUTE_DEFINITIONS,
    KeySchema: KEY_SCHEMA,
    GlobalSecondaryIndexes: [index, expiryIndex],
  };
}

/** Options of {@link createLedgerTable}. */
export interface CreateLedgerTableOptions {
  /** How long to wait for ACTIVE, in milliseconds (default 5 minutes). */
  readonly timeoutMs?: number | undefined;
}

/**
 * Creates the ledger table and waits until it and its index are ACTIVE. Idempotent: an existing table of
 * that name is waited for and checked, and a table with other keys is refused ({@link LedgerTableMismatchError}).
 */
export async function createLedgerTable(
  client: DynamoDBClient,
  tableName: string,
  options: CreateLedgerTableOptions = {},
): Promise<void> {
  try {
    await client.send(new CreateTableCommand(ledgerTableDefinition(tableName)));
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
  }
  let table = await waitUntilActive(client, tableName, options.timeoutMs ?? 300_000);
  assertLedgerShape(table, { expiryIndex: false });
  if (!table.GlobalSecondaryIndexes?.some((i) => i.IndexName === LEDGER_EXPIRY_INDEX.indexName)) {
    // A table kept from before the expiry index (`npm start --data`): add it, as a deploy would.
    let refusal: unknown;
    try {
      await addExpiryIndex(client, tableName);
      table = await waitUntilActive(client, tableName, options.timeoutMs ?? 300_000);
    } catch (error) {
      refusal = error;
    }
    if (!table.GlobalSecondaryIndexes?.some((i) => i.IndexName === LEDGER_EXPIRY_INDEX.indexName)) {
      // dynalite cannot add an index to an existing table.
      throw new LedgerTableMismatchError(
        `Table ${tableName} predates the ${LEDGER_EXPIRY_INDEX.indexName} index and this DynamoDB could not add it: start the local stack with a new --data directory (or none)`,
        refusal,
      );
    }
  }
  assertLedgerShape(table, { expiryIndex: true });
}

async function addExpiryIndex(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new UpdateTableCommand({
      TableName: tableName,
      AttributeDefinitions: ATTRIBUTE_DEFINITIONS.filter((a) =>
        EXPIRY_INDEX_KEY_SCHEMA.some((k) => k.AttributeName === a.AttributeName),
      ),
      GlobalSecondaryIndexUpdates: [{ Create: expiryIndex }],
    }),
  );
}

async function waitUntilActive(
  client: DynamoDBClient,
  tableName: string,
  timeoutMs: number,
): Promise<TableDescription> {
  const deadline = Date.now() + timeoutMs;
  // Local emulators are ACTIVE within milliseconds, AWS within seconds: start short, back off to 2 s.
  let delayMs = 25;
  for (;;) {
    const { Table: table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every(
      (index) => index.IndexStatus === 'ACTIVE',
    );
    if (table?.TableStatus === 'ACTIVE' && indexesActive) return table;
    if (Date.now() + delayMs > deadline) {
      throw new LedgerTableNotReadyError(
        `Ledger table ${tableName} is still ${table?.TableStatus ?? 'missing'} after ${timeoutMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    delayMs = Math.min(delayMs * 2, 2_000);
  }
}

function assertLedgerShape(table: TableDescription, required: { readonly expiryIndex: boolean }): void {
  const sameKeys = (actual: KeySchemaElement[] | undefined, expected: KeySchemaElement[]) =>
    JSON.stringify((actual ?? []).map((k) => [k.AttributeName, k.KeyType])) ===
    JSON.stringify(expected.map((k) => [k.AttributeName, k.KeyType]));
  const index = table.GlobalSecondaryIndexes?.find((i) => i.IndexName === LEDGER_STATE_INDEX.indexName);
  const expiry = table.GlobalSecondaryIndexes?.find((i) => i.IndexName === LEDGER_EXPIRY_INDEX.indexName);
  if (
    !sameKeys(table.KeySchema, KEY_SCHEMA) ||
    index === undefined ||
    !sameKeys(index.KeySchema, INDEX_KEY_SCHEMA) ||
    (required.expiryIndex && expiry === undefined) ||
    (expiry !== undefined && !sameKeys(expiry.KeySchema, EXPIRY_INDEX_KEY_SCHEMA))
  ) {
    throw new LedgerTableMismatchError(
      `Table ${table.TableName} exists but is not a ledger table: it needs keys pk/sk, index ${LEDGER_STATE_INDEX.indexName} on gsi1pk/gsi1sk and index ${LEDGER_EXPIRY_INDEX.indexName} on gsi2pk/expiresAt`,
    );
  }
}
