import type {
  AccountKey,
  AccountRecord,
  HistoryEvent,
  RecordedError,
  RequestOpening,
  RequestView,
} from '../ports/ledger.ts';
import { type CreateStart, createdExpiry } from './create-account.ts';
import type { ProvisioningDependencies } from './dependencies.ts';
import { RequestNotApplicableError, RetryLaterError, toRecordedError } from './errors.ts';
import { storedProfile } from './fingerprint.ts';
import type { IncomingMessage } from './process-message.ts';
import type { ProvisioningRequest } from './request.ts';

/**
 * How a request that failed is recorded: a transient failure as an attempt (and the message delivered
 * again), a permanent one as the request's conclusion, written on the account too.
 *
 * @module
 */

/** What a permanent failure answers. */
export interface FailureOutcome {
  readonly kind: 'failed' | 'rejected';
  readonly requestId: string;
  readonly reason: string;
  readonly message: string;
  /** The account as the failure left it (for the outcome event). */
  readonly account?: AccountRecord | undefined;
  /** When the conclusion was written. */
  readonly at: string;
}

/** One request's delivery, as every step of it needs it. */
export interface Delivery {
  readonly request: ProvisioningRequest;
  readonly message: IncomingMessage;
  readonly key: AccountKey;
  readonly opening: RequestOpening;
  readonly deps: ProvisioningDependencies;
  readonly now: () => Date;
  /** Applying again a concluded request whose account write was lost (see `RequestCommit.redo`). */
  readonly redo?: boolean | undefined;
}

/**
 * Records a failed request. Retryable: its events are appended (the history begun if need be), a create
 * leaves a `pending` account, and {@link RetryLaterError} is thrown so the queue delivers it again.
 * Permanent: the request is concluded `failed` (or `rejected`) beside the account's `lastError`, and a
 * create's natural key is given back.
 */
export async function concludeFailure(
  error: unknown,
  delivery: Delivery,
  view: RequestView,
  start: CreateStart | undefined,
  events: readonly HistoryEvent[],
): Promise<FailureOutcome> {
  const { request, message, key, deps, now } = delivery;
  const recorded = toRecordedError(error);
  const at = now().toISOString();
  if (recorded.retryable) {
    const last = message.receiveCount >= deps.settings.maxReceiveCount;
    const detail = last
      ? `delivery ${message.receiveCount} of ${deps.settings.maxReceiveCount} failed; the message moves to the dead-letter queue`
      : `delivery ${message.receiveCount} of ${deps.settings.maxReceiveCount} failed; will retry`;
    const event: HistoryEvent = { at, kind: 'attempt-failed', detail, error: recorded };
    // Best effort: if the ledger is what failed, the retry still happens and records it then.
    await Promise.allSettled([
      deps.ledger.recordAttempt(key, delivery.opening, [...events, event]),
      markPending(delivery, view.account, start, at),
    ]);
    throw new RetryLaterError(request.requestId, error);
  }
  const status = error instanceof RequestNotApplicableError ? 'rejected' : 'failed';
  const account = failedAccount(delivery, view.account, start, recorded, at);
  await deps.ledger.commitRequest(key, {
    opening: delivery.opening,
    events,
    redo: delivery.redo,
    account,
    conclusion: {
      status,
      error: recorded,
      finishedAt: at,
      event: { at, kind: status, detail: recorded.message, error: recorded },
    },
  });
  // No sub-account was made under that key: let it go, so it does not block anyone (a retry claims it again).
  const naturalKey = account?.state === 'failed' ? account.naturalKey : undefined;
  if (naturalKey !== undefined)
    await deps.ledger.releaseNaturalKey(request.platform, naturalKey, request.tenantId);
  return {
    kind: status,
    requestId: request.requestId,
    reason: recorded.reason,
    message: recorded.message,
    account: account ?? view.account,
    at,
  };
}

/**
 * A create that failed for now leaves a `pending` account, so that the tenant's later requests wait behind
 * it (`waiting-for-create`) instead of finding no account, should the create end in the DLQ. Only then:
 * the create that succeeds at once never writes it.
 */
async function markPending(
  delivery: Delivery,
  account: AccountRecord | undefined,
  start: CreateStart | undefined,
  at: string,
): Promise<void> {
  const { request, deps } = delivery;
  if (request.action !== 'create' || account !== undefined || start?.claim.holder !== request.tenantId)
    return;
  await deps.ledger.createAccount({
    platform: request.platform,
    tenantId: request.tenantId,
    state: 'pending',
    version: 1,
    naturalKey: start.plan.naturalKey,
    profile: storedProfile(request.profile),
    expiresAt: createdExpiry(request, start.expiry),
    pendingRequestId: request.requestId,
    createdAt: at,
    updatedAt: at,
  });
}

/**
 * A permanent failure is written onto the account too, so `status` shows why it is stuck; a create that
 * held its natural key and failed leaves a `failed` account naming the key (reconciliation adopts a
 * sub-account that turns up under it).
 */
function failedAccount(
  delivery: Delivery,
  account: AccountRecord | undefined,
  start: CreateStart | undefined,
  recorded: RecordedError,
  at: string,
): AccountRecord | undefined {
  const { request } = delivery;
  const creating =
    request.action === 'create' &&
    start?.claim.holder === request.tenantId &&
    (account === undefined || account.state === 'pending' || account.state === 'failed');
  if (!account) {
    if (!creating || !start) return undefined;
    return {
      platform: request.platform,
      tenantId: request.tenantId,
      state: 'failed',
      version: 1,
      naturalKey: start.plan.naturalKey,
      profile: request.action === 'create' ? storedProfile(request.profile) : undefined,
      expiresAt: request.action === 'create' ? createdExpiry(request, start.expiry) : undefined,
      lastError: recorded,
      createdAt: at,
      updatedAt: at,
    };
  }
  return {
    ...account,
    state: creating ? 'failed' : account.state,
    naturalKey: creating && start ? start.plan.naturalKey : account.naturalKey,
    pendingRequestId: creating ? undefined : account.pendingRequestId,
    lastError: recorded,
    version: account.version + 1,
    updatedAt: at,
  };
}
