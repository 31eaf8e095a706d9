import { setTimeout as sleepFor } from 'node:timers/promises';
import { intervalOf, type Rate, type RateBudget } from '../ports/rate-budget.ts';
import type { RetryPacer } from './http.ts';

/** The clock of a pacer; injectable so tests drive time instead of waiting. */
export interface PacerClock {
  /** Milliseconds since the epoch. */
  readonly now?: (() => number) | undefined;
  /** Waits this many milliseconds. */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

/**
 * A token bucket that paces instead of bursting (GCRA with no burst tolerance): each slot is one interval
 * after the previous one, or now when the bucket has been idle that long. Slots are handed out in call
 * order; each caller sleeps until its own.
 *
 * A sliding window that admits its whole budget at once lets arrivals bunch up at the start of each window,
 * which the platform's own window (whose phase we cannot see) then refuses; evenly spaced slots never bunch.
 */
export class Pacer {
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  /** The theoretical arrival time: the earliest next slot. */
  #tat = Number.NEGATIVE_INFINITY;

  constructor(intervalMs: number, clock: PacerClock = {}) {
    if (!(intervalMs > 0)) throw new RangeError('intervalMs must be positive');
    this.#intervalMs = intervalMs;
    this.#now = clock.now ?? Date.now;
    this.#sleep = clock.sleep ?? ((ms) => sleepFor(ms));
  }

  /** Takes the next slot and resolves at its time. */
  async acquire(): Promise<void> {
    const now = this.#now();
    const slot = Math.max(this.#tat, now);
    this.#tat = slot + this.#intervalMs;
    if (slot > now) await this.#sleep(slot - now);
  }

  /** Moves the next slot to `at` at the earliest: a back-off that every later caller queues behind. */
  holdUntil(at: number): void {
    this.#tat = Math.max(this.#tat, at);
  }
}

/**
 * A {@link RateBudget} of this process only: one {@link Pacer} per key, at the rate of the key's first
 * caller. For callers that share no budget with other processes (the CLI on an operator's machine, whose IP
 * the platform counts apart, and tests).
 */
export class ProcessRateBudget implements RateBudget {
  readonly #pacers = new Map<string, Pacer>();
  readonly #clock: PacerClock;

  constructor(clock: PacerClock = {}) {
    this.#clock = clock;
  }

  acquire(key: string, rate: Rate): Promise<void> {
    let pacer = this.#pacers.get(key);
    if (!pacer) {
      pacer = new Pacer(intervalOf(rate), this.#clock);
      this.#pacers.set(key, pacer);
    }
    return pacer.acquire();
  }
}

let processBudget: ProcessRateBudget | undefined;

/** The budget every client of this process without a shared one draws on, so that they pace together. */
export function processRateBudget(): RateBudget {
  processBudget ??= new ProcessRateBudget();
  return processBudget;
}

/**
 * Paces a platform's calls once it answered "rate-limited", until a call succeeds: the refusal holds the
 * next slot one interval away, and every later call of this process (the retry included) then takes a slot
 * of a {@link Pacer}. Calls go unpaced again after the first success, so a platform without a documented
 * limit is not slowed down while it accepts everything.
 */
export class BackoffPacer implements RetryPacer {
  readonly #pacer: Pacer;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #engaged = false;

  constructor(intervalMs: number, clock: PacerClock = {}) {
    this.#pacer = new Pacer(intervalMs, clock);
    this.#intervalMs = intervalMs;
    this.#now = clock.now ?? Date.now;
  }

  /** True while calls are paced. */
  get engaged(): boolean {
    return this.#engaged;
  }

  rateLimited(): void {
    this.#engaged = true;
    this.#pacer.holdUntil(this.#now() + this.#intervalMs);
  }

  succeeded(): void {
    this.#engaged = false;
  }

  async acquire(): Promise<void> {
    if (this.#engaged) await this.#pacer.acquire();
  }
}
