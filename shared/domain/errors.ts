import { isPlatformError, type PlatformErrorCategory } from '../ports/errors.ts';
import type { RecordedError } from '../ports/ledger.ts';

/** Whether a failed step is worth trying again later. */
export type FailureClass = 'retryable' | 'permanent';

const RETRYABLE_CATEGORIES: ReadonlySet<PlatformErrorCategory> = new Set([
  'timeout',
  'network',
  'server',
  'rate-limited',
]);

/**
 * Base of the domain's own errors. `retryable` is decided here, once, so handlers never second-guess it.
 */
export class ProvisioningError extends Error {
  override readonly name: string = 'ProvisioningError';
  readonly retryable: boolean;
  /** Short machine-readable reason recorded in the ledger, e.g. `invalid-request`. */
  readonly reason: string;

  constructor(message: string, options: { reason: string; retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = options.reason;
    this.retryable = options.retryable;
  }
}

/** A request that can never succeed as sent (bad JSON, unknown action, missing field). Never retried. */
export class InvalidRequestError extends ProvisioningError {
  override readonly name = 'InvalidRequestError';
  /** Each problem found, as `path: message`. */
  readonly issues: readonly string[];

  constructor(message: string, issues: readonly string[] = [], cause?: unknown) {
    super(message, { reason: 'invalid-request', retryable: false, cause });
    this.issues = issues;
  }
}

/** Infrastructure we depend on (ledger table, queue) failed in a way that may pass (throttling, 5xx). */
export class DependencyUnavailableError extends ProvisioningError {
  override readonly name = 'DependencyUnavailableError';

  constructor(message: string, cause?: unknown) {
    super(message, { reason: 'dependency-unavailable', retryable: true, cause });
  }
}

/**
 * The one place that decides whether a failure is retried.
 *
 * Platform errors are retryable for timeouts, network failures, 5xx/internal codes and rate limits, and
 * whenever a state-changing call's outcome is unknown; everything a platform said "no" to on purpose is
 * permanent. Domain errors carry their own decision.
 * Anything else (a bug, an unexpected throw) is retryable: SQS redelivers it a bounded number of times and
 * the DLQ keeps it, which loses nothing, whereas calling it permanent would drop the request.
 */
export function classifyFailure(error: unknown): FailureClass {
  if (isPlatformError(error)) {
    // A state-changing call that may have taken effect (its answer was lost or unreadable) is retried:
    // the retry looks the sub-account up before acting again, so nothing the platform made is orphaned.
    if (error.outcomeUnknown) return 'retryable';
    return RETRYABLE_CATEGORIES.has(error.category) ? 'retryable' : 'permanent';
  }
  if (error instanceof ProvisioningError) return error.retryable ? 'retryable' : 'permanent';
  return 'retryable';
}

/** Someone else changed the record between our read and our write. Retried: the next attempt rereads. */
export class ConcurrentUpdateError extends ProvisioningError {
  override readonly name = 'ConcurrentUpdateError';

  constructor(message: string, cause?: unknown) {
    super(message, { reason: 'concurrent-update', retryable: true, cause });
  }
}

/** The request is valid but cannot apply to the account as it stands (e.g. suspend before create). */
export class RequestNotApplicableError extends ProvisioningError {
  override readonly name = 'RequestNotApplicableError';

  constructor(message: string, reason: string) {
    super(message, { reason, retryable: false });
  }
}

/** A failure worth another delivery; the message must not be acknowledged. */
export class RetryLaterError extends ProvisioningError {
  override readonly name = 'RetryLaterError';
  readonly requestId: string;

  constructor(requestId: string, cause: unknown) {
    super(`Request ${requestId} failed transiently: ${describe(cause)}`, {
      reason: 'retry-later',
      retryable: true,
      cause,
    });
    this.requestId = requestId;
  }
}

/** A failure's message with the vendor's code and words, for the ledger. */
export function describe(error: unknown): string {
  if (isPlatformError(error)) {
    const vendor = [error.code, error.vendorMessage].filter(Boolean).join(' ');
    return vendor ? `${error.message} [${vendor}]` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Turns any failure into what the ledger keeps: reason, vendor code, message; never a secret. */
export function toRecordedError(error: unknown): RecordedError {
  const retryable = classifyFailure(error) === 'retryable';
  if (isPlatformError(error)) {
    return { reason: error.category, code: error.code, message: describe(error), retryable };
  }
  if (error instanceof ProvisioningError) return { reason: error.reason, message: error.message, retryable };
  return { reason: 'internal', message: describe(error), retryable };
}
