import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type TableDescription,
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
 *
 * An account and all its history share one partition, so `getHistory` is one Query per item kind. The
 * index is sparse: only account records carry `gsi1pk`, so history never costs index writes.
 */
export const LEDGER_TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

/** The sparse index of account records by platform and state (`listAccounts`). Projects every attribute. */
export const LEDGER_STATE_INDEX = {
  indexName: 'byPlatformState',
  partitionKey: 'gsi1pk',
  sortKey: 'gsi1sk',
} as const;

/** Attributes that exist only for DynamoDB's sake; readers strip them before handing items out. */
export const LEDGER_KEY_ATTRIBUTES: readonly string[] = [
  LEDGER_TABLE_KEYS.partitionKey,
  LEDGER_TABLE_KEYS.sortKey,
  LEDGER_STATE_INDEX.partitionKey,
  LEDGER_STATE_INDEX.sortKey,
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

const ATTRIBUTE_DEFINITIONS: AttributeDefinition[] = [
  LEDGER_TABLE_KEYS.partitionKey,
  LEDGER_TABLE_KEYS.sortKey,
  LEDGER_STATE_INDEX.partitionKey,
  LEDGER_STATE_INDEX.sortKey,
].map((name) => ({ AttributeName: name, AttributeType: 'S' }));

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
    GlobalSecondaryIndexes: [index],
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
  const table = await waitUntilActive(client, tableName, options.timeoutMs ?? 300_000);
  assertLedgerShape(table);
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

function assertLedgerShape(table: TableDescription): void {
  const sameKeys = (actual: KeySchemaElement[] | undefined, expected: KeySchemaElement[]) =>
    JSON.stringify((actual ?? []).map((k) => [k.AttributeName, k.KeyType])) ===
    JSON.stringify(expected.map((k) => [k.AttributeName, k.KeyType]));
  const index = table.GlobalSecondaryIndexes?.find((i) => i.IndexName === LEDGER_STATE_INDEX.indexName);
  if (
    !sameKeys(table.KeySchema, KEY_SCHEMA) ||
    index === undefined ||
    !sameKeys(index.KeySchema, INDEX_KEY_SCHEMA)
  ) {
    throw new LedgerTableMismatchError(
      `Table ${table.TableName} exists but is not a ledger table: it needs keys pk/sk and index ${LEDGER_STATE_INDEX.indexName} on gsi1pk/gsi1sk`,
    );
  }
}
