import { setTimeout as sleepFor } from 'node:timers/promises';
import { intervalOf, type Rate, type RateBudget } from '../ports/rate-budget.ts';
import { isConditionFailure } from './error-translation.ts';
import type { Item } from './items.ts';
import type { LedgerTableClient } from './table-client.ts';

/**
 * `pk` prefix of rate-budget items (the functions that call platforms may update only these, besides their
 * own items).
 *
 * | item | `pk` | `sk` | attributes |
 * |---|---|---|---|
 * | rate budget of one key (a platform account) | `RATEBUDGET#{key}`, e.g. `RATEBUDGET#baijiayun#12345678` | `BUCKET` | `tat` |
 *
 * `tat` is the bucket's theoretical arrival time (GCRA): epoch milliseconds, fractional, at which the next
 * unbooked slot starts. Every slot before it belongs to some process; a bucket idle since then has a `tat`
 * in the past. The item is created by the first reservation and never deleted (a missing item is an idle
 * bucket, so deleting one is harmless too). It is a few dozen bytes: each write is one write unit.
 */
export const RATE_BUDGET_PARTITION_PREFIX = 'RATEBUDGET#';
/** `sk` of a rate-budget item. */
export const RATE_BUDGET_SORT_KEY = 'BUCKET';

/** `pk` of the rate-budget item of `key`. */
export function rateBudgetPartitionKey(key: string): string {
  return `${RATE_BUDGET_PARTITION_PREFIX}${key}`;
}

/** The clock of the budget; injectable so tests drive time instead of waiting. */
export interface RateBudgetClock {
  /** Milliseconds since the epoch. */
  readonly now?: (() => number) | undefined;
  /** Waits this many milliseconds. */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

const NAMES = { '#tat': 'tat' };

function slotsFrom(start: number, count: number, intervalMs: number): number[] {
  return Array.from({ length: count }, (_, i) => start + i * intervalMs);
}

function tatOf(item: Item | undefined): number {
  const value = item?.tat;
  return typeof value === 'number' ? value : Number.NEGATIVE_INFINITY;
}

/**
 * The bucket items: books blocks of consecutive slots with single-item conditional writes, so every slot of
 * the fleet is unique and the slots of all processes together are at least one interval apart.
 *
 * Booking `count` slots at time `now` is one UpdateItem in the usual case:
 * - idle bucket (`tat` absent or not after now): `SET tat = :now + count × interval` on condition
 *   `attribute_not_exists(tat) OR tat <= :now`; the slots start now;
 * - busy bucket (`tat` after now): `SET tat = tat + count × interval` on condition
 *   `tat > :now AND tat <= :now + maxAhead`, returning the new `tat`; the slots are the `count` before it.
 *
 * DynamoDB computes the busy case itself, so concurrent bookings never need a read; which case to try first
 * is guessed from the last `tat` this process saw (a wrong guess costs one failed write). When neither
 * condition holds, the bucket is booked beyond the horizon: one read tells how long to wait before booking.
 */
export class RateBudgetStore {
  readonly #table: LedgerTableClient;
  readonly #maxAheadMs: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  /** The last `tat` seen per key: the guess of which write to try first. */
  readonly #seen = new Map<string, number>();

  constructor(table: LedgerTableClient, options: { readonly maxAheadMs: number } & RateBudgetClock) {
    if (!(options.maxAheadMs > 0)) throw new RangeError('maxAheadMs must be positive');
    this.#table = table;
    this.#maxAheadMs = options.maxAheadMs;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => sleepFor(ms));
  }

  /** Books `count` consecutive slots of `key`, `intervalMs` apart; answers their times, earliest first. */
  async reserve(key: string, count: number, intervalMs: number): Promise<number[]> {
    const itemKey = { pk: rateBudgetPartitionKey(key), sk: RATE_BUDGET_SORT_KEY };
    const span = count * intervalMs;
    for (;;) {
      const now = this.#now();
      if ((this.#seen.get(key) ?? Number.NEGATIVE_INFINITY) <= now) {
        try {
          await this.#table.update('reserveRateSlots', itemKey, {
            UpdateExpression: 'SET #tat = :end',
            ConditionExpression: 'attribute_not_exists(#tat) OR #tat <= :now',
            ExpressionAttributeNames: NAMES,
            ExpressionAttributeValues: { ':end': now + span, ':now': now },
          });
          this.#seen.set(key, now + span);
          return slotsFrom(now, count, intervalMs);
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
      }
      try {
        const updated = await this.#table.updateReturning('reserveRateSlots', itemKey, {
          UpdateExpression: 'SET #tat = #tat + :span',
          ConditionExpression: '#tat > :now AND #tat <= :horizon',
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: { ':span': span, ':now': now, ':horizon': now + this.#maxAheadMs },
        });
        const end = tatOf(updated);
        this.#seen.set(key, end);
        return slotsFrom(end - span, count, intervalMs);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      // Neither held: the bucket fell idle meanwhile (the next round books it as idle), or it is booked
      // beyond the horizon (wait until the horizon reaches its end).
      const tat = tatOf(await this.#table.get('readRateBudget', itemKey));
      this.#seen.set(key, tat);
      const wait = tat - this.#maxAheadMs - this.#now();
      if (wait > 0) await this.#sleep(wait);
    }
  }
}

/** Options of {@link DynamoDbRateBudget}. */
export interface DynamoDbRateBudgetOptions extends RateBudgetClock {
  readonly table: LedgerTableClient;
  /** The most slots one write books (1: a write per request). */
  readonly blockSize: number;
  /** How far past now the bucket may be booked; beyond it, processes wait before booking more. */
  readonly maxAheadMs: number;
}

interface Waiter {
  readonly rate: Rate;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** What this process holds of one key's budget. */
interface Lane {
  readonly key: string;
  /** Booked slots nobody took yet, earliest first. */
  readonly free: number[];
  /** Callers without a slot, in arrival order. */
  readonly waiting: Waiter[];
  /** True while a booking write is on its way. */
  booking: boolean;
  /** Slots the next booking asks for: doubles while demand exceeds it, halves when booked slots go unused. */
  block: number;
  /** The interval of the last booking: how late a slot may still be taken. */
  intervalMs: number;
}

/**
 * The fleet-wide {@link RateBudget}: a token bucket per key in the ledger table ({@link RateBudgetStore}),
 * shared by every process, which paces each request to its own slot instead of letting a window's worth go
 * at once.
 *
 * To keep DynamoDB cost down, a process books a block of consecutive slots per write (as many as its
 * callers are waiting for, and more while demand keeps up, at most `blockSize`) and paces itself through
 * them: each caller sleeps until its slot. A slot is taken at most one interval late; a caller woken later
 * goes back to the queue, since sent then its request would crowd the next slot, someone else's. Slots that
 * nobody takes in time are lost, never moved: that wastes budget, but never exceeds it.
 */
export class DynamoDbRateBudget implements RateBudget {
  readonly #store: RateBudgetStore;
  readonly #blockSize: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #lanes = new Map<string, Lane>();

  constructor(options: DynamoDbRateBudgetOptions) {
    if (!Number.isInteger(options.blockSize) || options.blockSize < 1) {
      throw new RangeError('blockSize must be a positive integer');
    }
    this.#store = new RateBudgetStore(options.table, options);
    this.#blockSize = options.blockSize;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => sleepFor(ms));
  }

  acquire(key: string, rate: Rate): Promise<void> {
    const intervalMs = intervalOf(rate);
    return new Promise((resolve, reject) => {
      let lane = this.#lanes.get(key);
      if (!lane) {
        lane = { key, free: [], waiting: [], booking: false, block: 1, intervalMs };
        this.#lanes.set(key, lane);
      }
      lane.waiting.push({ rate, resolve, reject });
      this.#dispatch(lane);
    });
  }

  /** Gives free slots to waiting callers, and books more when callers are left without one. */
  #dispatch(lane: Lane): void {
    const now = this.#now();
    let stale = false;
    while (lane.free.length > 0 && (lane.free[0] ?? now) + lane.intervalMs < now) {
      lane.free.shift();
      stale = true;
    }
    if (stale) lane.block = Math.max(1, Math.floor(lane.block / 2));
    while (lane.free.length > 0 && lane.waiting.length > 0) {
      const slot = lane.free.shift() as number;
      const waiter = lane.waiting.shift() as Waiter;
      void this.#handOut(lane, slot, waiter);
    }
    if (lane.waiting.length > 0 && !lane.booking) void this.#book(lane);
  }

  async #handOut(lane: Lane, slot: number, waiter: Waiter): Promise<void> {
    try {
      const wait = slot - this.#now();
      if (wait > 0) await this.#sleep(wait);
    } catch (error) {
      waiter.reject(error);
      return;
    }
    if (this.#now() > slot + lane.intervalMs) {
      lane.waiting.unshift(waiter);
      this.#dispatch(lane);
      return;
    }
    waiter.resolve();
  }

  async #book(lane: Lane): Promise<void> {
    lane.booking = true;
    try {
      const head = lane.waiting[0] as Waiter;
      const intervalMs = intervalOf(head.rate);
      if (lane.waiting.length > lane.block) lane.block = Math.min(this.#blockSize, lane.block * 2);
      const count = Math.min(this.#blockSize, Math.max(lane.block, lane.waiting.length));
      const slots = await this.#store.reserve(lane.key, count, intervalMs);
      lane.intervalMs = intervalMs;
      lane.free.push(...slots);
    } catch (error) {
      // Without the store no slot can be had: every caller waiting now fails; later ones try again.
      for (const waiter of lane.waiting.splice(0)) waiter.reject(error);
    } finally {
      lane.booking = false;
    }
    this.#dispatch(lane);
  }
}
