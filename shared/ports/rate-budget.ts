/**
 * A request rate: at most `requests` in any `windowMs`, paced evenly, one every `windowMs / requests`
 * milliseconds, never in bursts.
 */
export interface Rate {
  readonly requests: number;
  readonly windowMs: number;
}

/**
 * A budget of requests to some outside service, shared by every caller that draws on the same `key`.
 *
 * An implementation may be per process (the CLI, tests) or shared by the whole fleet (every execution
 * environment of every function): a platform client takes one slot per request and needs to know neither.
 */
export interface RateBudget {
  /**
   * Resolves at the moment one request under `key` may be sent, at most at `rate` together with every
   * other holder of the budget. It waits rather than refuses; it rejects only when the budget itself cannot
   * be reached (its store is down), and then nothing may be sent.
   */
  acquire(key: string, rate: Rate): Promise<void>;
}

/** Milliseconds between two requests at `rate`. Throws `RangeError` for a rate that is not positive. */
export function intervalOf(rate: Rate): number {
  if (!Number.isInteger(rate.requests) || rate.requests < 1) {
    throw new RangeError('requests must be a positive integer');
  }
  if (!(rate.windowMs > 0)) throw new RangeError('windowMs must be positive');
  return rate.windowMs / rate.requests;
}
