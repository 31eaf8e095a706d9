import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedgerTable } from '../../../shared/ledger/index.ts';
import {
  DynamoDbRateBudget,
  RATE_BUDGET_SORT_KEY,
  RateBudgetStore,
  rateBudgetPartitionKey,
} from '../../../shared/ledger/rate-budget-store.ts';
import { LedgerTableClient } from '../../../shared/ledger/table-client.ts';
import { type DynaliteHandle, startDynalite } from '../../support/dynalite.ts';

let db: DynaliteHandle;

beforeAll(async () => {
  db = await startDynalite();
});

afterAll(async () => {
  await db.stop();
});

const START = 1_800_000_000_000;
/** 10 requests per second: one slot every 100 ms. */
const RATE = { requests: 10, windowMs: 1_000 } as const;
const INTERVAL = 100;

/**
 * Virtual time: it moves only when a sleeper wakes, to the time that sleeper asked for, never backwards.
 * For one caller at a time.
 */
function virtualTime(start = START) {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

/**
 * Frozen time for many callers at once: the clock stands still and every sleep returns at once, so no
 * slot is ever late; each caller's grant is the time it was told to wake at (or now, when it was not
 * told to sleep), which is exactly its slot.
 */
function frozenTime(start = START) {
  const wakes: number[] = [];
  return {
    now: () => start,
    sleep: async (ms: number) => {
      wakes.push(start + ms);
    },
    /** The grant time of each of `count` callers, earliest first. */
    grants: (count: number) => [
      ...Array.from({ length: count - wakes.length }, () => start),
      ...[...wakes].sort((a, b) => a - b),
    ],
  };
}

/** A table client of its own (its own DynamoDB client, as another process has), counting write units. */
async function tableClient(tableName: string) {
  const meter = { writes: 0, reads: 0 };
  const table = new LedgerTableClient({
    client: db.createClient(),
    tableName,
    onConsumedCapacity: (units, _operation, kind) => {
      meter[kind === 'write' ? 'writes' : 'reads'] += units;
    },
  });
  return { table, meter };
}

async function freshTable(): Promise<string> {
  const tableName = `rate-${randomUUID()}`;
  await createLedgerTable(db.client, tableName);
  return tableName;
}

/** The most of `times` that fall in any window of `windowMs` (half-open, as the platform counts). */
function busiestWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while ((sorted[first] ?? 0) + windowMs <= (sorted[last] ?? 0)) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

describe('DynamoDbRateBudget', () => {
  it('paces one caller one interval apart on an injected clock, never in a burst', async () => {
    // Prepare
    const time = virtualTime();
    const { table } = await tableClient(await freshTable());
    const budget = new DynamoDbRateBudget({ table, blockSize: 5, maxAheadMs: 10_000, ...time });
    const granted: number[] = [];

    // Act
    for (let i = 0; i < 6; i++) {
      await budget.acquire('platform#1', RATE);
      granted.push(time.now() - START);
    }

    // Assess
    expect(granted).toEqual([0, 100, 200, 300, 400, 500]);
  });

  it('paces a queue of callers through blocks of slots, one write per block', async () => {
    // Prepare
    const time = frozenTime();
    const { table, meter } = await tableClient(await freshTable());
    const budget = new DynamoDbRateBudget({ table, blockSize: 5, maxAheadMs: 10_000, ...time });

    // Act
    await Promise.all(Array.from({ length: 20 }, () => budget.acquire('platform#1', RATE)));

    // Assess
    expect(time.grants(20)).toEqual(Array.from({ length: 20 }, (_, i) => START + i * INTERVAL));
    expect(meter.writes / 20).toBeLessThanOrEqual(0.25);
  });

  it('lets two budget clients on one table grant no more than the rate together', async () => {
    // Prepare
    const time = frozenTime();
    const tableName = await freshTable();
    const budgets = await Promise.all(
      [0, 1].map(async () => {
        const { table } = await tableClient(tableName);
        return new DynamoDbRateBudget({ table, blockSize: 5, maxAheadMs: 10_000, ...time });
      }),
    );

    // Act
    await Promise.all(
      budgets.flatMap((budget) => Array.from({ length: 30 }, () => budget.acquire('platform#1', RATE))),
    );

    // Assess
    const granted = time.grants(60);
    const gaps = granted.slice(1).map((at, i) => at - (granted[i] ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(INTERVAL - 1e-6);
    expect(busiestWindow(granted, RATE.windowMs)).toBeLessThanOrEqual(RATE.requests);
  });

  it('keeps the budgets of different keys apart', async () => {
    // Prepare
    const time = virtualTime();
    const { table } = await tableClient(await freshTable());
    const budget = new DynamoDbRateBudget({ table, blockSize: 1, maxAheadMs: 10_000, ...time });

    // Act
    await budget.acquire('platform#1', RATE);
    await budget.acquire('platform#2', RATE);

    // Assess
    expect(time.now()).toBe(START);
  });

  it('fails the waiting callers when the table cannot be reached, and sends nothing', async () => {
    // Prepare
    const { table } = await tableClient(`missing-${randomUUID()}`);
    const budget = new DynamoDbRateBudget({ table, blockSize: 5, maxAheadMs: 10_000, ...frozenTime() });

    // Act
    const results = await Promise.allSettled([
      budget.acquire('platform#1', RATE),
      budget.acquire('platform#1', RATE),
    ]);

    // Assess
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});

describe('RateBudgetStore', () => {
  it('books the slots of two processes booking at once at least one interval apart', async () => {
    // Prepare
    const tableName = await freshTable();
    let now = START;
    const stores = await Promise.all(
      [0, 1].map(
        async () =>
          new RateBudgetStore((await tableClient(tableName)).table, { maxAheadMs: 60_000, now: () => now }),
      ),
    );
    const slots: number[] = [];

    // Act: rounds of simultaneous bookings of mixed sizes, time moving a little between rounds.
    for (let round = 0; round < 8; round++) {
      const booked = await Promise.all(
        stores.flatMap((store) => [1, 3, 5].map((count) => store.reserve('platform#1', count, INTERVAL))),
      );
      slots.push(...booked.flat());
      now += 250;
    }

    // Assess
    const sorted = [...slots].sort((a, b) => a - b);
    const gaps = sorted.slice(1).map((slot, i) => slot - (sorted[i] ?? 0));
    expect(slots).toHaveLength(8 * 2 * 9);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(INTERVAL - 1e-6);
    expect(busiestWindow(slots, RATE.windowMs)).toBeLessThanOrEqual(RATE.requests);
  });

  it('starts an idle bucket now, and keeps a booked one where it is', async () => {
    // Prepare
    const tableName = await freshTable();
    let now = START;
    const { table } = await tableClient(tableName);
    const store = new RateBudgetStore(table, { maxAheadMs: 10_000, now: () => now });

    // Act
    const first = await store.reserve('platform#1', 2, INTERVAL);
    const second = await store.reserve('platform#1', 2, INTERVAL);
    now += 5_000;
    const afterIdle = await store.reserve('platform#1', 1, INTERVAL);
    const item = await table.get('test', {
      pk: rateBudgetPartitionKey('platform#1'),
      sk: RATE_BUDGET_SORT_KEY,
    });

    // Assess
    expect(first).toEqual([START, START + 100]);
    expect(second).toEqual([START + 200, START + 300]);
    expect(afterIdle).toEqual([START + 5_000]);
    expect(item?.tat).toBe(START + 5_100);
  });

  it('waits, without booking, while the bucket is booked beyond the horizon', async () => {
    // Prepare
    const tableName = await freshTable();
    let now = START;
    const waits: number[] = [];
    const { table } = await tableClient(tableName);
    const far = new RateBudgetStore(table, { maxAheadMs: 60_000, now: () => now });
    const near = new RateBudgetStore(table, {
      maxAheadMs: 1_000,
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    await far.reserve('platform#1', 30, INTERVAL);

    // Act
    const slots = await near.reserve('platform#1', 1, INTERVAL);

    // Assess
    expect(waits).toEqual([2_000]);
    expect(slots).toEqual([START + 3_000]);
  });
});
