import { setTimeout as sleepFor } from 'node:timers/promises';

/** Something that hands out request slots, waiting as long as needed. */
export interface RateLimiter {
  /** Resolves when one request may be sent; never rejects for load. */
  acquire(): Promise<void>;
}

/** Options of {@link SlidingWindowLimiter}. */
export interface SlidingWindowLimiterOptions {
  /** At most this many slots… */
  readonly requests: number;
  /** …within any window of this many milliseconds. */
  readonly windowMs: number;
  /** Milliseconds since the epoch; injectable so tests drive time. */
  readonly now?: (() => number) | undefined;
  /** Waits this many milliseconds; injectable so tests observe the wake-ups instead of waiting. */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

/**
 * A sliding-window limiter: at most `requests` slots in any `windowMs`. Callers queue in arrival order and
 * wait for a slot rather than fail, because the platform's own answer to overload is undocumented and
 * waiting a few seconds is cheaper than a failed provisioning step.
 */
export class SlidingWindowLimiter implements RateLimiter {
  readonly #requests: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  /** Times slots were granted, oldest first; only those inside the current window are kept. */
  readonly #granted: number[] = [];
  /** The queue: each caller takes its slot after the previous one got its own. */
  #tail: Promise<void> = Promise.resolve();

  constructor(options: SlidingWindowLimiterOptions) {
    if (!Number.isInteger(options.requests) || options.requests < 1) {
      throw new RangeError('requests must be a positive integer');
    }
    if (!(options.windowMs > 0)) throw new RangeError('windowMs must be positive');
    this.#requests = options.requests;
    this.#windowMs = options.windowMs;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => sleepFor(ms));
  }

  acquire(): Promise<void> {
    const turn = this.#tail.then(() => this.#take());
    // A failing sleep must not wedge every later caller.
    this.#tail = turn.catch(() => undefined);
    return turn;
  }

  async #take(): Promise<void> {
    for (;;) {
      const now = this.#now();
      while (this.#granted.length > 0 && (this.#granted[0] ?? 0) + this.#windowMs <= now)
        this.#granted.shift();
      const oldest = this.#granted[0];
      if (this.#granted.length < this.#requests || oldest === undefined) {
        this.#granted.push(now);
        return;
      }
      await this.#sleep(oldest + this.#windowMs - now);
    }
  }
}

const registry = new Map<string, SlidingWindowLimiter>();

/**
 * The process-wide limiter for one budget (`partnerId@host`): the platform counts requests per partner and
 * calling IP, so every client in this process with the same partner and host must share one window. The
 * first caller's limits define the budget; later callers with the same key share it as is.
 */
export function sharedLimiter(key: string, options: SlidingWindowLimiterOptions): SlidingWindowLimiter {
  let limiter = registry.get(key);
  if (!limiter) {
    limiter = new SlidingWindowLimiter(options);
    registry.set(key, limiter);
  }
  return limiter;
}
