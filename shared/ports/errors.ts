import type { PlatformName } from './platform.ts';

/**
 * What went wrong, in terms every platform shares. The domain decides from this alone whether a failure
 * is retried (see `classifyFailure` in `shared/domain/errors.ts`); vendor clients only pick a category.
 *
 * - `timeout`, `network`: no usable answer arrived. For a call that changes state the effect may or may
 *   not have happened (`outcomeUnknown`).
 * - `server`: the platform answered with a 5xx or an internal-error code.
 * - `rate-limited`: the platform (or our client-side limiter) refused for load.
 * - `authentication`: signature, timestamp or credentials rejected.
 * - `invalid-request`: the platform rejected a parameter.
 * - `not-found`: the sub-account (or app) does not exist.
 * - `closed`: the sub-account exists but is closed for good: it can be neither changed nor reopened, and
 *   a close that meets it has reached its goal.
 * - `conflict`: a unique key is taken.
 * - `account-state`: the master account or app is in a state that forbids the call (arrears, suspended).
 * - `protocol`: the answer could not be understood (bad body, unexpected shape).
 * - `unknown`: the platform said no without saying why.
 */
export type PlatformErrorCategory =
  | 'timeout'
  | 'network'
  | 'server'
  | 'rate-limited'
  | 'authentication'
  | 'invalid-request'
  | 'not-found'
  | 'closed'
  | 'conflict'
  | 'account-state'
  | 'protocol'
  | 'unknown';

/** Options of {@link PlatformError}. */
export interface PlatformErrorOptions {
  readonly platform: PlatformName;
  readonly category: PlatformErrorCategory;
  /** The vendor's own code (`statusCode`, `code`, or `HTTP 503`), kept verbatim for the ledger. */
  readonly code?: string | undefined;
  /** The vendor's own message (`statusMsg`, `msg`), kept verbatim. */
  readonly vendorMessage?: string | undefined;
  /** The vendor operation that failed, e.g. `SubAccounts` or `addSubAccount`. */
  readonly operation?: string | undefined;
  /** True when a state-changing call may have taken effect although it failed (timeout after sending). */
  readonly outcomeUnknown?: boolean | undefined;
  /** Seconds the platform asked us to wait, when it said. */
  readonly retryAfterSeconds?: number | undefined;
  readonly cause?: unknown;
}

/**
 * Base of every error a platform client throws. Vendor folders subclass it; nothing outside a vendor
 * folder needs to know the subclass.
 */
export class PlatformError extends Error {
  override readonly name: string = 'PlatformError';
  readonly platform: PlatformName;
  readonly category: PlatformErrorCategory;
  readonly code: string | undefined;
  readonly vendorMessage: string | undefined;
  readonly operation: string | undefined;
  readonly outcomeUnknown: boolean;
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, options: PlatformErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.platform = options.platform;
    this.category = options.category;
    this.code = options.code;
    this.vendorMessage = options.vendorMessage;
    this.operation = options.operation;
    this.outcomeUnknown = options.outcomeUnknown ?? false;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** True for any error a platform client threw. */
export function isPlatformError(error: unknown): error is PlatformError {
  return error instanceof PlatformError;
}
