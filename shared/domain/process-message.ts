import type {
  AccountKey,
  AccountRecord,
  HistoryEntry,
  HistoryEvent,
  RequestStatus,
} from '../ports/ledger.ts';
import { changeLifecycle } from './change-lifecycle.ts';
import { concludeFailure, type Delivery, type FailureOutcome } from './conclude-failure.ts';
import { type CreateStart, createAccount, releaseUnusedClaim, startCreate } from './create-account.ts';
import { type Applied, type ProvisioningDependencies, provisioned } from './dependencies.ts';
import { RetryLaterError } from './errors.ts';
import { fingerprint } from './fingerprint.ts';
import { type Concluded, publishOutcome, republished } from './publish-outcome.ts';
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

/** What a request came to, and the conclusion its outcome event is made of (none while it goes on). */
interface Handled {
  readonly outcome: OutcomeOf;
  readonly concluded?: Concluded | undefined;
}

/**
 * Applies one provisioning request, exactly once in effect, whatever the queue and the network do.
 *
 * The ledger has no transactions, so each step leaves a state the retry recognises; the request path is
 * two ledger round trips:
 * 1. read the account and the request's history together (a concluded request stops here: duplicate). A
 *    create claims its natural key in the same round trip, and the claim marks it in flight: a retry whose
 *    claim was already held looks the sub-account up by its natural key before creating;
 * 2. call the platform;
 * 3. save the account (with `lastRequestId`: the commit point of the effect) beside the history's
 *    conclusion, which notes the account version it wrote. A retry that finds `lastRequestId` already set
 *    only concludes; one that finds the conclusion but an older account applies the request again.
 *
 * Malformed messages and permanent failures are recorded and answered (acknowledged); transient ones
 * are recorded as an event and thrown as {@link RetryLaterError} so the queue delivers them again.
 *
 * 4. publish the outcome event of every conclusion (duplicates included, see `publish-outcome.ts`) before
 *    the message is acknowledged: a publish that fails is retried through the queue like a transient failure.
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
    const { requestId, platform, tenantId } = parsed.partial;
    // Only a rejection that names a request has anyone waiting on it.
    if (requestId !== undefined) {
      const error = { reason: 'invalid-request', message: text };
      await publishOutcome(
        { requestId, platform, tenantId, outcome: 'rejected', error, occurredAt: at },
        deps,
      );
    }
    return { kind: 'rejected', requestId, platform, reason: 'invalid-request', message: text };
  }
  const request = parsed.request;
  const { outcome, concluded } = await processRequest(request, message, deps, now, at);
  if (concluded) await publishOutcome(concluded, deps);
  return { ...outcome, platform: request.platform, action: request.action };
}

async function processRequest(
  request: ProvisioningRequest,
  message: IncomingMessage,
  deps: ProvisioningDependencies,
  now: () => Date,
  at: string,
): Promise<Handled> {
  const key: AccountKey = { platform: request.platform, tenantId: request.tenantId };
  const print = fingerprint(request);
  const delivery: Delivery = {
    request,
    message,
    key,
    deps,
    now,
    opening: {
      requestId: request.requestId,
      messageId: message.messageId,
      platform: request.platform,
      tenantId: request.tenantId,
      action: request.action,
      fingerprint: print,
      receivedAt: at,
    },
  };
  const said = `delivery ${message.receiveCount} (message ${message.messageId})`;
  // Round trip 1: what the ledger holds, and (a create) the claim on the natural key, side by side.
  const [read, started] = await Promise.allSettled([
    deps.ledger.readRequest(key, request.requestId),
    request.action === 'create' ? startCreate(request, deps, now) : Promise.resolve(undefined),
  ]);
  if (read.status === 'rejected') {
    const failure = await concludeFailure(read.reason, delivery, {}, undefined, [
      { at, kind: 'received', detail: said },
    ]);
    return failed(request, failure);
  }
  const view = read.value;
  const start = started.status === 'fulfilled' ? started.value : undefined;
  const entry = view.request;
  if (
    entry &&
    (entry.fingerprint === undefined ? entry.action !== request.action : entry.fingerprint !== print)
  ) {
    // The caller reused a request id for another intent: applying it would break "one id, one effect",
    // and treating it as a duplicate would drop it silently. Reject it, on its own record.
    if (request.action === 'create') await releaseUnusedClaim(request, start, view.account, deps);
    return rejectReuse(delivery, entry, view.account, at);
  }
  if (entry && entry.status !== 'in-progress' && !lostCommit(entry, view.account)) {
    if (request.action === 'create') await releaseUnusedClaim(request, start, view.account, deps);
    await deps.ledger.appendEvent(key, request.requestId, {
      at,
      kind: 'duplicate',
      detail: `${said}: already ${entry.status}; nothing done`,
    });
    return {
      outcome: {
        kind: 'duplicate',
        requestId: request.requestId,
        status: entry.status,
        result: entry.result,
      },
      // The first delivery may have concluded and then died before its publish: publish again.
      concluded: republished({ ...entry, requestId: request.requestId }, view.account, at),
    };
  }
  // Past the duplicate check, a concluded request is one whose account write was lost: this applies it again.
  const applying: Delivery = { ...delivery, redo: entry !== undefined && entry.status !== 'in-progress' };
  // A redelivery may find no history: the first delivery stopped before it recorded anything.
  const again = entry !== undefined || message.receiveCount > 1;
  const events: HistoryEvent[] = [{ at, kind: again ? 'redelivered' : 'received', detail: said }];
  try {
    if (started.status === 'rejected') throw started.reason;
    const account = view.account;
    const applied: Applied =
      account?.lastRequestId === request.requestId
        ? { result: 'recovered', detail: `effect already recorded; account is ${account.state}` }
        : await apply(request, account, start, deps, now);
    const done = now().toISOString();
    // Round trip 2: the account beside the conclusion.
    await deps.ledger.commitRequest(key, {
      opening: delivery.opening,
      events,
      unrecorded: entry === undefined,
      redo: applying.redo,
      account: applied.account,
      conclusion: {
        status: 'succeeded',
        result: applied.result,
        finishedAt: done,
        event: { at: done, kind: 'succeeded', detail: `${applied.result}: ${applied.detail}` },
      },
    });
    return {
      outcome: { kind: 'applied', requestId: request.requestId, result: applied.result },
      concluded: {
        ...identityOf(request),
        outcome: 'succeeded',
        result: applied.result,
        account: applied.account ?? view.account,
        occurredAt: done,
      },
    };
  } catch (error) {
    return failed(request, await concludeFailure(error, applying, view, start, events));
  }
}

const identityOf = (request: ProvisioningRequest) => ({
  requestId: request.requestId,
  action: request.action,
  platform: request.platform,
  tenantId: request.tenantId,
});

/** A permanent failure's answer and its event (retryable ones were thrown). */
function failed(request: ProvisioningRequest, failure: FailureOutcome): Handled {
  const { kind, requestId, reason, message } = failure;
  return {
    outcome: { kind, requestId, reason, message },
    concluded: {
      ...identityOf(request),
      outcome: kind,
      error: { reason, message },
      account: failure.account,
      occurredAt: failure.at,
    },
  };
}

/**
 * A conclusion whose account write was lost: it noted an account version the stored account never reached.
 * The conclusion and the account are written side by side, so only the account tells the effect was kept.
 */
function lostCommit(entry: HistoryEntry, account: AccountRecord | undefined): boolean {
  return entry.accountVersion !== undefined && (account?.version ?? 0) < entry.accountVersion;
}

async function rejectReuse(
  delivery: Delivery,
  entry: HistoryEntry,
  account: AccountRecord | undefined,
  at: string,
): Promise<Handled> {
  const { request, message, deps } = delivery;
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
  const error = { reason: 'request-id-reused', message: text };
  return {
    outcome: { kind: 'rejected', requestId: request.requestId, ...error },
    concluded: { ...identityOf(request), outcome: 'rejected', error, account, occurredAt: at },
  };
}

async function apply(
  request: ProvisioningRequest,
  account: AccountRecord | undefined,
  start: CreateStart | undefined,
  deps: ProvisioningDependencies,
  now: () => Date,
): Promise<Applied> {
  switch (request.action) {
    case 'create':
      if (!start) throw new TypeError('A create is applied after startCreate');
      return createAccount(request, account, start, deps, now);
    case 'update':
      return updateAccount(request, provisioned(account, request), deps, now);
    default:
      return changeLifecycle(request, provisioned(account, request), deps, now);
  }
}
