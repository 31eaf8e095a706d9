import type { AccountRecord, HistoryEntry, RecordedError } from '../ports/ledger.ts';
import { OUTCOME_SCHEMA_VERSION, type Outcome, type OutcomeEvent } from '../ports/outcome-publisher.ts';
import type { ProvisioningDependencies } from './dependencies.ts';
import { ProvisioningError, RetryLaterError } from './errors.ts';

/**
 * The outcome event of a concluded request: what it is, and when it is published.
 *
 * The use case publishes it after the ledger's conclusion and before the message is acknowledged. A publish
 * that fails throws {@link RetryLaterError}, so the queue delivers the message again; the redelivery finds
 * the request concluded (a duplicate) and publishes the same event, built from the recorded conclusion. A
 * crash between the conclusion and the publish heals the same way. FIFO holds the tenant's later requests
 * behind the unacknowledged one, so a tenant's events go out in the order of their versions.
 *
 * @module
 */

/** What a conclusion says, as the event needs it. */
export interface Concluded {
  readonly requestId: string;
  readonly action?: string | undefined;
  readonly platform?: string | undefined;
  readonly tenantId?: string | undefined;
  readonly outcome: Outcome;
  readonly result?: string | undefined;
  readonly error?: Pick<RecordedError, 'reason' | 'message'> | undefined;
  /** The account as the request left it (or as it stands when a duplicate republishes). */
  readonly account?: AccountRecord | undefined;
  readonly occurredAt: string;
}

/** A publish that failed: the message is delivered again, and the redelivery publishes again. */
export class OutcomePublishError extends ProvisioningError {
  override readonly name = 'OutcomePublishError';

  constructor(requestId: string, cause: unknown) {
    super(
      `Could not publish the outcome event of request ${requestId}; the message will be delivered again`,
      {
        reason: 'outcome-not-published',
        retryable: true,
        cause,
      },
    );
  }
}

/** The event of a conclusion: only the request's identity, the outcome and the account's standing. */
export function outcomeEvent(concluded: Concluded): OutcomeEvent {
  const { account } = concluded;
  return {
    schemaVersion: OUTCOME_SCHEMA_VERSION,
    requestId: concluded.requestId,
    action: concluded.action ?? null,
    platform: concluded.platform ?? null,
    tenantId: concluded.tenantId ?? null,
    outcome: concluded.outcome,
    result: concluded.outcome === 'succeeded' ? (concluded.result ?? null) : null,
    state: account?.state ?? null,
    version: account?.version ?? null,
    subAccountId: account?.subAccountId ?? null,
    // Reason and message only: a vendor's code and the retry flag are the ledger's business.
    error:
      concluded.outcome === 'succeeded' || concluded.error === undefined
        ? null
        : { reason: concluded.error.reason, message: concluded.error.message },
    occurredAt: concluded.occurredAt,
  };
}

/**
 * The event a duplicate delivery republishes, from the request's recorded conclusion: the same event as the
 * first publish while the account has not moved on (always so while FIFO holds the tenant's later requests
 * behind this one); after later requests, the account's current state and version.
 */
export function republished(
  entry: HistoryEntry & { readonly requestId: string },
  account: AccountRecord | undefined,
  at: string,
): Concluded | undefined {
  if (entry.status === 'in-progress') return undefined;
  return {
    requestId: entry.requestId,
    action: entry.action,
    platform: entry.platform,
    tenantId: entry.tenantId,
    outcome: entry.status,
    result: entry.result,
    error: entry.error,
    account,
    occurredAt: entry.finishedAt ?? at,
  };
}

/**
 * Publishes a conclusion's event, when the function has a publisher. Throws {@link RetryLaterError} (caused by
 * {@link OutcomePublishError}) when it is not accepted, so the message is not acknowledged.
 */
export async function publishOutcome(concluded: Concluded, deps: ProvisioningDependencies): Promise<void> {
  if (!deps.outcomes) return;
  try {
    await deps.outcomes.publish(outcomeEvent(concluded));
  } catch (error) {
    throw new RetryLaterError(concluded.requestId, new OutcomePublishError(concluded.requestId, error));
  }
}
