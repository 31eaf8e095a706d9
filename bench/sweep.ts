import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoDbLedger, createLedgerTable, ledgerTableDefinition } from '../shared/ledger/index.ts';
import { accountItem } from '../shared/ledger/items.ts';
import { platformNames } from '../shared/platforms/registry.ts';
import type { AccountRecord, DueAccount, Ledger } from '../shared/ports/ledger.ts';
import { startDynalite } from '../test/support/dynalite.ts';
import { type RecordedCall, recordDynamoDbCalls } from './dynamodb-recorder.ts';

/**
 * The expiry sweep's read cost on a large table: `accounts` Baijiayun accounts (every one active or
 * suspended, with an expiry), of which `due` have expired. The table is seeded with BatchWriteItem of
 * items shaped by the ledger's own `accountItem`; then the ledger lists the due accounts and counts the
 * active ones (the blast-radius guard), on a recorded client. Items read are the `ScannedCount` of the
 * Queries each step issues: what DynamoDB bills, whatever the filters return.
 *
 * Only {@link listDue} and {@link guardCount} know the ledger's sweep API, so a new API changes them alone.
 *
 * @module
 */

const DAY_MS = 86_400_000;

/** Days of grace the sweep gives Baijiayun accounts by default before it closes them. */
const GRACE_DAYS = 30;

/**
 * The accounts due at `now`, as the sweep reads them for a platform that can suspend and close: `open`
 * ones (active, or suspended before they expired) up to now, `expired` ones up to now − grace.
 */
export async function listDue(ledger: Ledger, now: Date): Promise<DueAccount[]> {
  const out: DueAccount[] = [];
  const closeBefore = new Date(now.getTime() - GRACE_DAYS * DAY_MS).toISOString();
  for await (const account of ledger.listDue('baijiayun', 'expired', closeBefore)) out.push(account);
  for await (const account of ledger.listDue('baijiayun', 'open', now.toISOString())) out.push(account);
  return out;
}

/**
 * The guard's count, as the sweep makes it: live accounts, stopping once there are enough for `due` actions
 * to stay under the default 5 %.
 */
export function guardCount(ledger: Ledger, due: number): Promise<number> {
  return ledger.countLiveAccounts(undefined, Math.ceil((due * 100) / 5));
}

/** What {@link measureSweep} reports. */
export interface SweepCost {
  readonly accounts: number;
  /** Accounts the listing returned (should be every due one). */
  readonly expired: number;
  readonly due: number;
  /** Items the listing's Queries read (their `ScannedCount`). */
  readonly items_read: number;
  /** `items_read / expired`. */
  readonly read_ratio: number;
  readonly queries: number;
  readonly read_units: number;
  /** Items the guard's count read, and its Queries. */
  readonly guard_items_read: number;
  readonly guard_queries: number;
  readonly guard_read_units: number;
  readonly seed_ms: number;
}

const scanned = (calls: readonly RecordedCall[]) =>
  calls.reduce((sum, c) => sum + (c.scannedCount ?? c.count ?? 0), 0);
const units = (calls: readonly RecordedCall[]) => calls.reduce((sum, c) => sum + (c.capacityUnits ?? 0), 0);

/** Seeds the table and measures the listing and the guard. */
export async function measureSweep(
  options: { readonly accounts?: number; readonly due?: number } = {},
): Promise<SweepCost> {
  const accounts = options.accounts ?? 100_000;
  const due = options.due ?? 1_000;
  const now = new Date('2026-06-01T00:00:00.000Z');
  const db = await startDynalite();
  const tableName = 'bench-sweep';
  try {
    await createLedgerTable(db.client, tableName);
    const seedStarted = performance.now();
    await seed(DynamoDBDocumentClient.from(db.client), tableName, accounts, due, now);
    const seedMs = performance.now() - seedStarted;

    const client = db.createClient();
    const keys = (ledgerTableDefinition(tableName).KeySchema ?? []).map((k) => k.AttributeName ?? '');
    const recorder = recordDynamoDbCalls(client, { keys });
    const ledger = createDynamoDbLedger({ client, tableName, platforms: platformNames });
    const listed = await listDue(ledger, now);
    const listing = recorder.take().filter((c) => c.kind === 'read');
    await guardCount(ledger, listed.length);
    const guard = recorder.take().filter((c) => c.kind === 'read');
    client.destroy();
    const itemsRead = scanned(listing);
    return {
      accounts,
      expired: listed.length,
      due,
      items_read: itemsRead,
      read_ratio: listed.length === 0 ? Number.POSITIVE_INFINITY : itemsRead / listed.length,
      queries: listing.length,
      read_units: units(listing),
      guard_items_read: scanned(guard),
      guard_queries: guard.length,
      guard_read_units: units(guard),
      seed_ms: Math.round(seedMs),
    };
  } finally {
    await db.stop();
  }
}

/**
 * `accounts` account items; the first `due` expired a day before `now` (one in five of them suspended by
 * an operator before it expired, which the sweep suspends again to start its grace). Of the rest, one in
 * fifty is in its grace (suspended at an expiry within the last 29 days: not due yet), the others expire
 * within the next year. BatchWriteItem of 25, four at a time.
 */
async function seed(
  doc: DynamoDBDocumentClient,
  tableName: string,
  accounts: number,
  due: number,
  now: Date,
): Promise<void> {
  const at = new Date(now.getTime() - 200 * DAY_MS).toISOString();
  const record = (i: number): AccountRecord => {
    const mobile = `139${String(i).padStart(8, '0')}`;
    const inGrace = i >= due && i % 50 === 0;
    const expiresAt = new Date(
      now.getTime() + (i < due ? -DAY_MS : inGrace ? -(1 + (i % 29)) * DAY_MS : DAY_MS + (i % 365) * DAY_MS),
    ).toISOString();
    return {
      platform: 'baijiayun',
      tenantId: `tenant_${i}`,
      state: inGrace || i % 5 === 0 ? 'suspended' : 'active',
      suspendedAt: inGrace ? expiresAt : i % 5 === 0 ? at : undefined,
      version: 2,
      subAccountId: String(1_000_000 + i),
      naturalKey: mobile,
      profile: { mobile, email: `tenant_${i}@bench.example` },
      expiresAt,
      lastRequestId: `tenant_${i}-create`,
      createdAt: at,
      updatedAt: at,
    };
  };
  let next = 0;
  const worker = async () => {
    while (next < accounts) {
      const from = next;
      next = Math.min(accounts, next + 25);
      const items = [];
      for (let i = from; i < next; i++) items.push({ PutRequest: { Item: accountItem(record(i)) } });
      let requestItems: Record<string, unknown[]> | undefined = { [tableName]: items };
      while (requestItems && Object.keys(requestItems).length > 0) {
        const answer = await doc.send(
          new BatchWriteCommand({
            RequestItems: requestItems as Record<string, { PutRequest: { Item: Record<string, unknown> } }[]>,
          }),
        );
        requestItems = answer.UnprocessedItems as Record<string, unknown[]> | undefined;
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}
