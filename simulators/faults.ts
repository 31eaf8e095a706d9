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
