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
import type { AccountKey } from '../ports/ledger.ts';
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
 * | account record | `ACCOUNT#{platform}#{tenantId}` | `STATE` | `{platform}#{phase}` / `{expiresAt or ~}#{tenantId}` |
 * | request history | `ACCOUNT#{platform}#{tenantId}` | `REQUEST#{requestId}` | — |
 * | rejected message, valid account | `ACCOUNT#{platform}#{tenantId}` | `MESSAGE#{messageId}` | `REJECTED#{day}` / `{receivedAt}#{messageId}` |
 * | rejected message, no valid account | `UNATTRIBUTED#{YYYY-MM-DD}` | `MESSAGE#{messageId}` | `REJECTED#{day}` / `{receivedAt}#{messageId}` |
 * | natural-key claim (friendlyName, mobile) | `NATURALKEY#{platform}#{naturalKey}` | `CLAIM` | — |
 * | operations event (a tripped sweep guard) | `OPERATIONS#{YYYY-MM-DD}` | `{at}#{kind}#{id}` | — |
 * | drift seen by reconciliation | `DRIFT#{platform}` | `{kind}:{subAccountId}` | — |
 * | quarantine of a platform / a message parked by it | `QUARANTINE#{platform}` | `STATE` / `PARKED#{messageId}` | — |
 *
 * One sparse index, {@link LEDGER_INDEX}, keys only. Its keys hold what changes rarely: the account's
 * *phase* (`open`: active, or suspended before it expired; `expired`: suspended at or after its expiry;
 * `pending`, `closed`, `failed`) and its expiry, never the active/suspended state itself. So a suspend or a
 * resume before expiry, a profile update or a credentials change leaves the index untouched and costs no
 * index write, and the expiry sweep still reads exactly the accounts due: `open` ones up to now (suspend),
 * `expired` ones up to now − grace (close). History items are not in the index. Readers that need whole
 * records (`listAccounts`, `listRejections`) read the keys from the index and the items with BatchGetItem.
 */
export const LEDGER_TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

/** The one index: account records by platform, phase and expiry; rejections by day. Keys only. */
export const LEDGER_INDEX = {
  indexName: 'byPhase',
  partitionKey: 'gsi1pk',
  sortKey: 'gsi1sk',
} as const;

/** Where an account record is filed in {@link LEDGER_INDEX}: `open`/`expired` are the live phases. */
export const ACCOUNT_PHASES = ['open', 'expired', 'pending', 'closed', 'failed'] as const;
/** One of {@link ACCOUNT_PHASES}. */
export type AccountPhase = (typeof ACCOUNT_PHASES)[number];

/** `gsi1sk` of an account without an expiry: `~` sorts after every ISO instant, so it is never due. */
export const NO_EXPIRY = '~';

/**
 * The attribute DynamoDB's TTL deletes items by (epoch seconds). Only rejection records carry it; neither
 * emulator deletes them, so readers skip expired ones themselves.
 */
export const LEDGER_TTL_ATTRIBUTE = 'ttl';

/** Attributes that exist only for DynamoDB's sake; readers strip them before handing items out. */
export const LEDGER_KEY_ATTRIBUTES: readonly string[] = [
  LEDGER_TABLE_KEYS.partitionKey,
  LEDGER_TABLE_KEYS.sortKey,
  LEDGER_INDEX.partitionKey,
  LEDGER_INDEX.sortKey,
  LEDGER_TTL_ATTRIBUTE,
];

/** `sk` of an account record. */
export const ACCOUNT_SORT_KEY = 'STATE';
/** `sk` prefix of request histories. */
export const REQUEST_SORT_KEY_PREFIX = 'REQUEST#';
/** `sk` prefix of rejected messages. */
export const MESSAGE_SORT_KEY_PREFIX = 'MESSAGE#';

/** `pk` prefix of account partitions (records and histories). */
export const ACCOUNT_PARTITION_PREFIX = 'ACCOUNT#';

/** `pk` of an account's partition. */
export function accountPartitionKey(key: AccountKey): string {
  return `${ACCOUNT_PARTITION_PREFIX}${key.platform}#${key.tenantId}`;
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

/** `gsi1pk` of a rejection record: rejections are listed by UTC day on the index. */
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

/** `gsi1pk` of an account record: its platform and phase. */
export function phaseIndexPartitionKey(platform: PlatformName, phase: AccountPhase): string {
  return `${platform}#${phase}`;
}

/** `gsi1sk` of an account record: its expiry (or {@link NO_EXPIRY}), then its tenant. */
export function phaseIndexSortKey(expiresAt: string | undefined, tenantId: string): string {
  return `${expiresAt ?? NO_EXPIRY}#${tenantId}`;
}

const KEY_SCHEMA: KeySchemaElement[] = [
  { AttributeName: LEDGER_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
  { AttributeName: LEDGER_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
];

const INDEX_KEY_SCHEMA: KeySchemaElement[] = [
  { AttributeName: LEDGER_INDEX.partitionKey, KeyType: 'HASH' },
  { AttributeName: LEDGER_INDEX.sortKey, KeyType: 'RANGE' },
];

const ATTRIBUTE_DEFINITIONS: AttributeDefinition[] = [
  LEDGER_TABLE_KEYS.partitionKey,
  LEDGER_TABLE_KEYS.sortKey,
  LEDGER_INDEX.partitionKey,
  LEDGER_INDEX.sortKey,
].map((name) => ({ AttributeName: name, AttributeType: 'S' }));

/** The CreateTable request for a ledger table: on-demand billing, the key schema and the index. */
export function ledgerTableDefinition(tableName: string): CreateTableCommandInput {
  const index: GlobalSecondaryIndex = {
    IndexName: LEDGER_INDEX.indexName,
    KeySchema: INDEX_KEY_SCHEMA,
    // Keys only: an index write happens only when an index key changes, never for a state or profile change.
    Projection: { ProjectionType: 'KEYS_ONLY' },
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
  const index = table.GlobalSecondaryIndexes?.find((i) => i.IndexName === LEDGER_INDEX.indexName);
  if (
    !sameKeys(table.KeySchema, KEY_SCHEMA) ||
    index === undefined ||
    !sameKeys(index.KeySchema, INDEX_KEY_SCHEMA)
  ) {
    // A table of the earlier layout (`npm start --data` kept from before) lands here too: its indexes differ.
    throw new LedgerTableMismatchError(
      `Table ${table.TableName} exists but is not a ledger table of this version: it needs keys pk/sk and index ${LEDGER_INDEX.indexName} on gsi1pk/gsi1sk (a local --data directory from an earlier version needs a new directory)`,
    );
  }
}
