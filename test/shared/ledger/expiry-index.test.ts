import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDynamoDbLedger,
  createLedgerTable,
  LEDGER_EXPIRY_INDEX,
  LedgerTableMismatchError,
  ledgerTableDefinition,
} from '../../../shared/ledger/index.ts';
import { platformNames } from '../../../shared/platforms/registry.ts';
import type { AccountRecord, Ledger } from '../../../shared/ports/ledger.ts';
import { type DynaliteHandle, startDynalite } from '../../support/dynalite.ts';

let db: DynaliteHandle;

beforeAll(async () => {
  db = await startDynalite();
});

afterAll(async () => {
  await db.stop();
});

const NOW = '2027-06-01T00:00:00.000Z';

async function freshLedger(onRead?: (units: number, operation: string) => void) {
  const tableName = `expiry-${randomUUID()}`;
  await createLedgerTable(db.client, tableName);
  const ledger = createDynamoDbLedger({
    client: db.client,
    tableName,
    platforms: platformNames,
    onConsumedCapacity: (units, operation, kind) => {
      if (kind === 'read') onRead?.(units, operation);
    },
  });
  return { ledger, tableName };
}

function account(tenantId: string, extra: Partial<AccountRecord>): AccountRecord {
  return {
    platform: 'baijiayun',
    tenantId,
    state: 'active',
    version: 1,
    subAccountId: `sub-${tenantId}`,
    naturalKey: `1380000${tenantId.slice(-4)}`,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function inBatches<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

describe('the expiry index', () => {
  it('lists only the accounts of the platform and state that are due, earliest first', async () => {
    // Prepare
    const { ledger } = await freshLedger();
    await ledger.createAccount(account('late', { expiresAt: '2027-05-31T00:00:00.000Z' }));
    await ledger.createAccount(account('early', { expiresAt: '2027-01-31T00:00:00.000Z' }));
    await ledger.createAccount(account('exactly', { expiresAt: NOW }));
    await ledger.createAccount(account('future', { expiresAt: '2027-06-01T00:00:00.001Z' }));
    await ledger.createAccount(
      account('suspended', { state: 'suspended', expiresAt: '2027-01-01T00:00:00.000Z' }),
    );
    await ledger.createAccount(account('no-expiry', {}));
    await ledger.createAccount({
      ...account('cloopen', { expiresAt: '2027-01-01T00:00:00.000Z' }),
      platform: 'cloopen',
    });

    // Act
    const due = await collect(ledger.listExpired('baijiayun', 'active', NOW));

    // Assess
    expect(due.map((a) => a.tenantId)).toEqual(['early', 'late', 'exactly']);
    expect(due[0]).toEqual({
      platform: 'baijiayun',
      tenantId: 'early',
      state: 'active',
      expiresAt: '2027-01-31T00:00:00.000Z',
    });
  });

  it('moves an account when its expiry or state changes, and drops it when it is closed', async () => {
    // Prepare
    const { ledger } = await freshLedger();
    const first = account('moving', { expiresAt: '2027-01-01T00:00:00.000Z' });
    await ledger.createAccount(first);

    // Act 1: the expiry moves beyond now.
    await ledger.saveAccount({ ...first, version: 2, expiresAt: '2028-01-01T00:00:00.000Z' });
    const afterUpdate = await collect(ledger.listExpired('baijiayun', 'active', NOW));
    // Act 2: back in the past, and suspended.
    await ledger.saveAccount({ ...first, version: 3, state: 'suspended' });
    const afterSuspend = await collect(ledger.listExpired('baijiayun', 'suspended', NOW));
    // Act 3: closed.
    await ledger.saveAccount({ ...first, version: 4, state: 'closed' });
    const afterClose = [
      ...(await collect(ledger.listExpired('baijiayun', 'active', '9999-12-31T00:00:00.000Z'))),
      ...(await collect(ledger.listExpired('baijiayun', 'suspended', '9999-12-31T00:00:00.000Z'))),
    ];

    // Assess
    expect(afterUpdate).toEqual([]);
    expect(afterSuspend.map((a) => a.tenantId)).toEqual(['moving']);
    expect(afterClose).toEqual([]);
  });

  it('reads as much for a few due accounts among a thousand as among none', async () => {
    // Prepare: 1,000 accounts expiring next year, and 3 due.
    let units = 0;
    const { ledger } = await freshLedger((spent, operation) => {
      if (operation === 'listExpired') units += spent;
    });
    const later = Array.from({ length: 1000 }, (_, i) =>
      account(`t${String(i).padStart(4, '0')}`, {
        expiresAt: '2028-01-01T00:00:00.000Z',
      }),
    );
    await inBatches(later, 50, (record) => ledger.createAccount(record));
    for (const tenant of ['due-1', 'due-2', 'due-3']) {
      await ledger.createAccount(account(tenant, { expiresAt: '2027-01-01T00:00:00.000Z' }));
    }

    // Act
    const due = await collect(ledger.listExpired('baijiayun', 'active', NOW));

    // Assess: one Query page of three small projected items, however many accounts wait beyond them.
    expect(due).toHaveLength(3);
    expect(units).toBeLessThanOrEqual(1);
  });

  it('is added to a ledger table made before it existed, or the table is refused with the way out', async () => {
    // Prepare: the table as it was created before the expiry index.
    const tableName = `old-${randomUUID()}`;
    const definition = ledgerTableDefinition(tableName);
    await db.client.send(
      new CreateTableCommand({
        ...definition,
        AttributeDefinitions: definition.AttributeDefinitions?.filter(
          (a) => a.AttributeName !== 'gsi2pk' && a.AttributeName !== 'expiresAt',
        ),
        GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes?.filter(
          (i) => i.IndexName !== LEDGER_EXPIRY_INDEX.indexName,
        ),
      }),
    );

    // Act
    const outcome = await createLedgerTable(db.client, tableName).then(
      () => undefined,
      (error: unknown) => error,
    );

    // Assess: DynamoDB adds the index; dynalite cannot, and the error says what to do.
    const { Table } = await db.client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.GlobalSecondaryIndexes?.some((i) => i.IndexName === LEDGER_EXPIRY_INDEX.indexName)) {
      expect(outcome).toBeUndefined();
    } else {
      expect(outcome).toBeInstanceOf(LedgerTableMismatchError);
      expect(String(outcome)).toMatch(/new --data directory/);
    }
  });
});

describe('countAccounts and the operations log', () => {
  it('counts accounts by state on the state index, and keeps operations events by day', async () => {
    // Prepare
    const { ledger }: { ledger: Ledger } = await freshLedger();
    await ledger.createAccount(account('a', {}));
    await ledger.createAccount(account('b', {}));
    await ledger.createAccount(account('c', { state: 'suspended' }));

    // Act
    const active = await ledger.countAccounts({ state: 'active' });
    const all = await ledger.countAccounts();
    await ledger.recordOperation({ kind: 'sweep-guard-tripped', at: NOW, detail: 'too many', count: 42 });
    const events = await ledger.listOperations(NOW.slice(0, 10));

    // Assess
    expect(active).toBe(2);
    expect(all).toBe(3);
    expect(events).toEqual([{ kind: 'sweep-guard-tripped', at: NOW, detail: 'too many', count: 42 }]);
  });
});
