import { randomUUID } from 'node:crypto';
import { CreateTableCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDynamoDbLedger,
  createLedgerTable,
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

describe('the phase index', () => {
  it('lists only the accounts of the platform and phase that are due, earliest first', async () => {
    // Prepare
    const { ledger } = await freshLedger();
    await ledger.createAccount(account('late', { expiresAt: '2027-05-31T00:00:00.000Z' }));
    await ledger.createAccount(account('early', { expiresAt: '2027-01-31T00:00:00.000Z' }));
    await ledger.createAccount(account('exactly', { expiresAt: NOW }));
    await ledger.createAccount(account('future', { expiresAt: '2027-06-01T00:00:00.001Z' }));
    // Suspended before its expiry: still open, due for the sweep's suspend.
    await ledger.createAccount(
      account('held', {
        state: 'suspended',
        expiresAt: '2027-02-01T00:00:00.000Z',
        suspendedAt: '2027-01-15T00:00:00.000Z',
      }),
    );
    // Suspended at its expiry: expired, due for closing when its grace ends.
    await ledger.createAccount(
      account('suspended', {
        state: 'suspended',
        expiresAt: '2027-01-01T00:00:00.000Z',
        suspendedAt: '2027-01-01T00:00:00.000Z',
      }),
    );
    await ledger.createAccount(account('no-expiry', {}));
    await ledger.createAccount(account('closed', { state: 'closed', expiresAt: '2027-01-01T00:00:00.000Z' }));
    await ledger.createAccount({
      ...account('cloopen', { expiresAt: '2027-01-01T00:00:00.000Z' }),
      platform: 'cloopen',
    });

    // Act
    const open = await collect(ledger.listDue('baijiayun', 'open', NOW));
    const expired = await collect(ledger.listDue('baijiayun', 'expired', NOW));

    // Assess
    expect(open.map((a) => a.tenantId)).toEqual(['early', 'held', 'late', 'exactly']);
    expect(open[0]).toEqual({
      platform: 'baijiayun',
      tenantId: 'early',
      phase: 'open',
      expiresAt: '2027-01-31T00:00:00.000Z',
    });
    expect(expired.map((a) => a.tenantId)).toEqual(['suspended']);
  });

  it('keeps its keys through suspends and resumes before expiry, and moves on expiry, expiry changes and close', async () => {
    // Prepare
    const { ledger, tableName } = await freshLedger();
    const first = account('moving', { expiresAt: '2027-01-01T00:00:00.000Z' });
    await ledger.createAccount(first);
    const indexKeys = async () => {
      const { Item } = await db.client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { pk: { S: 'ACCOUNT#baijiayun#moving' }, sk: { S: 'STATE' } },
        }),
      );
      return [Item?.gsi1pk?.S, Item?.gsi1sk?.S];
    };
    const created = await indexKeys();

    // Act 1: suspended and resumed before its expiry (an operator's), and its profile changed.
    await ledger.saveAccount({
      ...first,
      version: 2,
      state: 'suspended',
      suspendedAt: '2026-12-01T00:00:00.000Z',
    });
    const afterSuspend = await indexKeys();
    await ledger.saveAccount({ ...first, version: 3, profile: { company: 'Renamed' } });
    const afterResume = await indexKeys();
    // Act 2: suspended after its expiry (the sweep's).
    await ledger.saveAccount({
      ...first,
      version: 4,
      state: 'suspended',
      suspendedAt: '2027-01-02T00:00:00.000Z',
    });
    const afterExpiry = await indexKeys();
    // Act 3: the expiry moves beyond now, and the account is closed.
    await ledger.saveAccount({ ...first, version: 5, expiresAt: '2028-01-01T00:00:00.000Z' });
    const afterUpdate = await collect(ledger.listDue('baijiayun', 'open', NOW));
    await ledger.saveAccount({ ...first, version: 6, state: 'closed' });
    const afterClose = [
      ...(await collect(ledger.listDue('baijiayun', 'open', '9999-12-31T00:00:00.000Z'))),
      ...(await collect(ledger.listDue('baijiayun', 'expired', '9999-12-31T00:00:00.000Z'))),
    ];

    // Assess: no index write for the operator's suspend, resume or profile change.
    expect(created).toEqual(['baijiayun#open', '2027-01-01T00:00:00.000Z#moving']);
    expect(afterSuspend).toEqual(created);
    expect(afterResume).toEqual(created);
    expect(afterExpiry).toEqual(['baijiayun#expired', '2027-01-01T00:00:00.000Z#moving']);
    expect(afterUpdate).toEqual([]);
    expect(afterClose).toEqual([]);
    expect(await indexKeys()).toEqual(['baijiayun#closed', '2027-01-01T00:00:00.000Z#moving']);
  });

  it('reads as much for a few due accounts among a thousand as among none', async () => {
    // Prepare: 1,000 accounts expiring next year, and 3 due.
    let units = 0;
    const { ledger } = await freshLedger((spent, operation) => {
      if (operation === 'listDue') units += spent;
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
    const due = await collect(ledger.listDue('baijiayun', 'open', NOW));

    // Assess: one Query page of three small key-only items, however many accounts wait beyond them.
    expect(due).toHaveLength(3);
    expect(units).toBeLessThanOrEqual(1);
  });

  it('refuses a ledger table of the earlier layout, saying what to do', async () => {
    // Prepare: a table with the same keys but other indexes (a local --data directory kept from before).
    const tableName = `old-${randomUUID()}`;
    const definition = ledgerTableDefinition(tableName);
    await db.client.send(
      new CreateTableCommand({
        ...definition,
        GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes?.map((index) => ({
          ...index,
          IndexName: 'byPlatformState',
        })),
      }),
    );

    // Act
    const outcome = await createLedgerTable(db.client, tableName).then(
      () => undefined,
      (error: unknown) => error,
    );

    // Assess
    expect(outcome).toBeInstanceOf(LedgerTableMismatchError);
    expect(String(outcome)).toMatch(/new directory/);
  });
});

describe('countLiveAccounts and the operations log', () => {
  it('counts live accounts on the index, stopping where asked, and keeps operations events by day', async () => {
    // Prepare
    const { ledger }: { ledger: Ledger } = await freshLedger();
    await ledger.createAccount(account('a', {}));
    await ledger.createAccount(account('b', {}));
    await ledger.createAccount(account('c', { state: 'suspended', expiresAt: NOW, suspendedAt: NOW }));
    await ledger.createAccount(account('d', { state: 'closed' }));

    // Act
    const live = await ledger.countLiveAccounts('baijiayun');
    const all = await ledger.countLiveAccounts();
    const enough = await ledger.countLiveAccounts(undefined, 2);
    await ledger.recordOperation({ kind: 'sweep-guard-tripped', at: NOW, detail: 'too many', count: 42 });
    const events = await ledger.listOperations(NOW.slice(0, 10));

    // Assess
    expect(live).toBe(3);
    expect(all).toBe(3);
    expect(enough).toBe(2);
    expect(events).toEqual([{ kind: 'sweep-guard-tripped', at: NOW, detail: 'too many', count: 42 }]);
  });
});
