import type {
  AccountKey,
  AccountRecord,
  HistoryEvent,
  RecordedError,
  RequestStatus,
} from '../ports/ledger.ts';
import { changeLifecycle } from './change-lifecycle.ts';
import { createAccount } from './create-account.ts';
import { type Applied, type ProvisioningDependencies, provisioned } from './dependencies.ts';
import { RequestNotApplicableError, RetryLaterError, toRecordedError } from './errors.ts';
import { fingerprint } from './fingerprint.ts';
import type { ProvisioningRequest } from './request.ts';
import { updateAccount } from './update-account.ts';

/**
 * The message envelope every request goes through: parse, begin (or recognise a duplicate), apply one
 * action, conclude. The actions are their own use cases (`create-account.ts`, `change-lifecycle.ts`,
 * `update-account.ts`).
 */

/** One delivery of one message, as the queue hands it over. */
export interface IncomingMessage {
  readonly messageId: string;
  readonly body: string;
  /** How many times this message has been received, this time included (SQS ApproximateReceiveCount). */
  readonly receiveCount: number;
}

/** What the handler acknowledges. Retryable failures are thrown as {@link RetryLaterError} instead. */
export type MessageOutcome = OutcomeOf & {
  /** The request's platform and action, when the message could be read that far (for metrics). */
  readonly platform?: string | undefined;
  readonly action?: string | undefined;
};

type OutcomeOf =
  | { readonly kind: 'applied'; readonly requestId: string; readonly result: string }
  | {
      readonly kind: 'duplicate';
      readonly requestId: string;
      readonly status: RequestStatus;
      readonly result?: string | undefined;
    }
  | {
      readonly kind: 'rejected';
      readonly requestId?: string | undefined;
      readonly reason: string;
      readonly message: string;
    }
  | {
      readonly kind: 'failed';
      readonly requestId: string;
      readonly reason: string;
      readonly message: string;
    };

/**
 * Applies one provisioning request, exactly once in effect, whatever the queue and the network do.
 *
 * The ledger has no transactions, so the writes are ordered to make every crash point recognisable:
 * 1. the request's history entry is started (a redelivery of a finished request stops here: duplicate);
 * 2. a create first marks the account `pending` with its request id, *then* calls the platform — so a
 *    retry that finds a pending account looks the sub-account up by its natural key before creating;
 * 3. the account record is written with `lastRequestId` — the commit point of the effect;
 * 4. the history entry is concluded. A retry that finds `lastRequestId` already set only concludes.
 *
 * Malformed messages and permanent failures are recorded and answered (acknowledged); transient ones
 * are recorded as an event and thrown as {@link RetryLaterError} so the queue delivers them again.
 */
export async function processMessage(
  message: IncomingMessage,
  deps: ProvisioningDependencies,
): Promise<MessageOutcome> {
  const now = deps.now ?? (() => new Date());
  const at = now().toISOString();
  const parsed = deps.contract.parse(message.body);
  if (!parsed.ok) {
    const text = `Malformed request: ${parsed.issues.join('; ')}`;
    await deps.ledger.recordRejection({
      messageId: message.messageId,
      requestId: parsed.partial.requestId,
      platform: parsed.partial.platform,
      tenantId: parsed.partial.tenantId,
      status: 'rejected',
      error: { reason: 'invalid-request', message: text, retryable: false },
      issues: parsed.issues,
      receivedAt: at,
      finishedAt: at,
      events: [{ at, kind: 'rejected', detail: text }],
    });
    return {
      kind: 'rejected',
      requestId: parsed.partial.requestId,
      platform: parsed.partial.platform,
      reason: 'invalid-request',
      message: text,
    };
  }
  const request = parsed.request;
  const outcome = await processRequest(request, message, deps, now, at);
  return { ...outcome, platform: request.platform, action: request.action };
}

async function processRequest(
  request: ProvisioningRequest,
  message: IncomingMessage,
  deps: ProvisioningDependencies,
  now: () => Date,
  at: string,
): Promise<OutcomeOf> {
  const key: AccountKey = { platform: request.platform, tenantId: request.tenantId };
  const print = fingerprint(request);
  const delivery = `delivery ${message.receiveCount} (message ${message.messageId})`;
  const entry = await deps.ledger.beginRequest(key, {
    requestId: request.requestId,
    messageId: message.messageId,
    platform: request.platform,
    tenantId: request.tenantId,
    action: request.action,
    fingerprint: print,
    status: 'in-progress',
    receivedAt: at,
    events: [{ at, kind: 'received', detail: delivery }],
  });
  const isNew = entry.receivedAt === at && entry.messageId === message.messageId;
  const reused =
    entry.fingerprint === undefined ? entry.action !== request.action : entry.fingerprint !== print;
  if (!isNew && reused) {
    // The caller reused a request id for another intent: applying it would break "one id, one effect",
    // and treating it as a duplicate would drop it silently. Reject it, on its own record.
    const text = `requestId ${request.requestId} was already used for another ${entry.action} of this account; a new intent needs a new requestId`;
    await deps.ledger.recordRejection({
      messageId: message.messageId,
      requestId: request.requestId,
      platform: request.platform,
      tenantId: request.tenantId,
      action: request.action,
      status: 'rejected',
      error: { reason: 'request-id-reused', message: text, retryable: false },
      issues: [`requestId: ${text}`],
      receivedAt: at,
      finishedAt: at,
      events: [{ at, kind: 'rejected', detail: text }],
    });
    return { kind: 'rejected', requestId: request.requestId, reason: 'request-id-reused', message: text };
  }
  if (entry.status !== 'in-progress') {
    await deps.ledger.appendEvent(key, request.requestId, {
      at,
      kind: 'duplicate',
      detail: `${delivery}: already ${entry.status}; nothing done`,
    });
    return { kind: 'duplicate', requestId: request.requestId, status: entry.status, result: entry.result };
  }
  if (!isNew) {
    await deps.ledger.appendEvent(key, request.requestId, { at, kind: 'redelivered', detail: delivery });
  }

  try {
    const account = await deps.ledger.getAccount(key);
    const applied =
      account?.lastRequestId === request.requestId
        ? { result: 'recovered', detail: `effect already recorded; account is ${account.state}` }
        : await apply(request, account, deps, now);
    const done = now().toISOString();
    await deps.ledger.concludeRequest(key, request.requestId, {
      status: 'succeeded',
      result: applied.result,
      finishedAt: done,
      event: { at: done, kind: 'succeeded', detail: `${applied.result}: ${applied.detail}` },
    });
    return { kind: 'applied', requestId: request.requestId, result: applied.result };
  } catch (error) {
    return await concludeFailure(error, request, key, message, deps, now);
  }
}

async function concludeFailure(
  error: unknown,
  request: ProvisioningRequest,
  key: AccountKey,
  message: IncomingMessage,
  deps: ProvisioningDependencies,
  now: () => Date,
): Promise<MessageOutcome> {
  const recorded = toRecordedError(error);
  const at = now().toISOString();
  if (recorded.retryable) {
    const last = message.receiveCount >= deps.settings.maxReceiveCount;
    const detail = last
      ? `delivery ${message.receiveCount} of ${deps.settings.maxReceiveCount} failed; the message moves to the dead-letter queue`
      : `delivery ${message.receiveCount} of ${deps.settings.maxReceiveCount} failed; will retry`;
    const event: HistoryEvent = { at, kind: 'attempt-failed', detail, error: recorded };
    // Best effort: if the ledger is what failed, the retry still happens and records it then.
    await deps.ledger.appendEvent(key, request.requestId, event).catch(() => undefined);
    throw new RetryLaterError(request.requestId, error);
  }
  const status = error instanceof RequestNotApplicableError ? 'rejected' : 'failed';
  await markAccountFailed(key, recorded, request, deps, at);
  await deps.ledger.concludeRequest(key, request.requestId, {
    status,
    error: recorded,
    finishedAt: at,
    event: { at, kind: status, detail: recorded.message, error: recorded },
  });
  return { kind: status, requestId: request.requestId, reason: recorded.reason, message: recorded.message };
}

/** A permanent failure is written onto the account too, so `status` shows why it is stuck. */
async function markAccountFailed(
  key: AccountKey,
  recorded: RecordedError,
  request: ProvisioningRequest,
  deps: ProvisioningDependencies,
  at: string,
): Promise<void> {
  const account = await deps.ledger.getAccount(key);
  if (!account) return;
  const creating = request.action === 'create' && account.pendingRequestId === request.requestId;
  await deps.ledger.saveAccount({
    ...account,
    state: creating ? 'failed' : account.state,
    pendingRequestId: creating ? undefined : account.pendingRequestId,
    lastError: recorded,
    version: account.version + 1,
    updatedAt: at,
  });
  // No sub-account was made under that key: let it go, so it does not block anyone (a retry claims it again).
  if (creating && account.naturalKey) {
    await deps.ledger.releaseNaturalKey(request.platform, account.naturalKey, request.tenantId);
  }
}

async function apply(
  request: ProvisioningRequest,
  account: AccountRecord | undefined,
  deps: ProvisioningDependencies,
  now: () => Date,
): Promise<Applied> {
  switch (request.action) {
    case 'create':
      return createAccount(request, account, deps, now);
    case 'update':
      return updateAccount(request, provisioned(account, request), deps, now);
    default:
      return changeLifecycle(request, provisioned(account, request), deps, now);
  }
}
