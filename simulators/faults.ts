/**
 * Faults a simulator can be told to inject, shared by both simulators so tests and `npm start` users
 * drive them the same way (in-process through `inject`, or over HTTP with `POST /__sim/faults`).
 */
export type Fault =
  /** Answer with this HTTP status and a short plain body, without touching state. */
  | { readonly kind: 'http-error'; readonly status: number }
  /** Accept the request, then never answer (the client's timeout must fire). Nothing is committed. */
  | { readonly kind: 'hang' }
  /** Perform the operation (state changes), then drop the connection without answering. */
  | { readonly kind: 'drop-after-commit' }
  /**
   * Perform the operation, then never answer: the caller is left waiting, as a process that dies right
   * after the platform committed would be. Tests kill the caller at that point.
   */
  | { readonly kind: 'commit-then-hang' }
  /** Answer the way the platform answers when it sheds load. Nothing is committed. */
  | { readonly kind: 'rate-limit' }
  /** Answer with this vendor error code (and message), as the platform would. Nothing is committed. */
  | { readonly kind: 'vendor-error'; readonly code: string; readonly message?: string };

/** A fault with the calls it applies to. */
export interface FaultRule {
  readonly fault: Fault;
  /** Vendor operation name (`SubAccounts`, `addSubAccount`, …); every operation when absent. */
  readonly operation?: string | undefined;
  /** How many matching calls it hits before it is used up (default 1). */
  readonly times?: number | undefined;
}

/** Rules waiting for calls, consumed in the order they were injected. */
export class FaultQueue {
  readonly #rules: { rule: FaultRule; left: number }[] = [];

  inject(rule: FaultRule): void {
    this.#rules.push({ rule, left: rule.times ?? 1 });
  }

  /** The fault for this call, if any, using one of its hits up. */
  take(operation: string): Fault | undefined {
    const index = this.#rules.findIndex(
      (r) => r.rule.operation === undefined || r.rule.operation === operation,
    );
    const entry = this.#rules[index];
    if (!entry) return undefined;
    entry.left -= 1;
    if (entry.left <= 0) this.#rules.splice(index, 1);
    return entry.rule.fault;
  }

  clear(): void {
    this.#rules.length = 0;
  }

  get pending(): number {
    return this.#rules.length;
  }
}

/**
 * Simulated platform latency: how long the simulator waits before handling each API call (control
 * endpoints excepted), so a bench or a test can see the pipeline with a platform as slow as the real one.
 * Set at start (`latencyMs`), in-process (`setLatency`) or over HTTP (`POST /__sim/latency` `{"ms":100}`).
 */
export class SimulatedLatency {
  #ms = 0;

  constructor(ms = 0) {
    this.set(ms);
  }

  /** Milliseconds each call waits; 0 answers at once. */
  get ms(): number {
    return this.#ms;
  }

  set(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0 || ms > 600_000) {
      throw new RangeError(`latency must be 0 to 600000 ms, not ${ms}`);
    }
    this.#ms = ms;
  }

  /** Waits the set latency (resolves at once when it is 0). */
  wait(): Promise<void> {
    const ms = this.#ms;
    return ms === 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
  }
}

/** Whether a control request body is a latency setting (`{"ms": 0-600000}`). */
export function isLatencySetting(value: unknown): value is { readonly ms: number } {
  if (typeof value !== 'object' || value === null) return false;
  const { ms } = value as { ms?: unknown };
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 && ms <= 600_000;
}
