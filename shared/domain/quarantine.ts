/**
 * Provider quarantine, the policy: when most calls to one platform fail transiently within a window, the
 * handlers stop calling it for a cool-down that grows while the outage lasts. Pure: no clock, no storage.
 */

/** Settings of the quarantine. */
export interface QuarantineSettings {
  /** Calls needed in the window before the failure ratio counts (20). */
  readonly minCalls: number;
  /** The window, ms (60 s). */
  readonly windowMs: number;
  /** The share of failed calls that trips it (0.5). */
  readonly failureRatio: number;
  /** The first cool-down, ms (1 min); it doubles with every failed probe… */
  readonly initialCoolDownMs: number;
  /** …up to this, ms (14 min: with the prober's one-minute cadence, work resumes within 15 min). */
  readonly maxCoolDownMs: number;
}

/** The defaults: at least 20 calls in 60 s, half of them failing; cool-downs of 1 to 14 minutes. */
export const DEFAULT_QUARANTINE: QuarantineSettings = {
  minCalls: 20,
  windowMs: 60_000,
  failureRatio: 0.5,
  initialCoolDownMs: 60_000,
  maxCoolDownMs: 840_000,
};

/** The cool-down after a failed probe: twice the last, capped. */
export function nextCoolDown(current: number, settings: QuarantineSettings): number {
  return Math.min(settings.maxCoolDownMs, Math.max(settings.initialCoolDownMs, current * 2));
}

/** The calls to one platform in the last window, as one execution environment saw them. */
export class CallWindow {
  readonly #settings: QuarantineSettings;
  readonly #calls: { readonly at: number; readonly ok: boolean }[] = [];

  constructor(settings: QuarantineSettings) {
    this.#settings = settings;
  }

  /** Notes one call: `ok` false for a transient failure (timeout, network, 5xx, rate limit). */
  record(at: number, ok: boolean): void {
    this.#calls.push({ at, ok });
    this.#forget(at);
  }

  /** Whether the calls of the window trip the quarantine. */
  trips(at: number): boolean {
    this.#forget(at);
    const failed = this.#calls.filter((c) => !c.ok).length;
    return (
      this.#calls.length >= this.#settings.minCalls &&
      failed / this.#calls.length >= this.#settings.failureRatio
    );
  }

  /** Starts over (after the platform was quarantined). */
  reset(): void {
    this.#calls.length = 0;
  }

  #forget(at: number): void {
    const from = at - this.#settings.windowMs;
    while (this.#calls.length > 0 && (this.#calls[0]?.at ?? at) < from) this.#calls.shift();
  }
}
