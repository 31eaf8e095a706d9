import type { AccountState } from './ledger.ts';

/** The version of the outcome event's shape; a breaking change to it bumps this. */
export const OUTCOME_SCHEMA_VERSION = 1;

/** How a concluded request ended: applied, refused by a platform for good, or not applicable. */
export const OUTCOMES = ['succeeded', 'failed', 'rejected'] as const;
/** One of {@link OUTCOMES}. */
export type Outcome = (typeof OUTCOMES)[number];

/**
 * What a producer (a signup flow) learns when its request is concluded. Every field is always present,
 * `null` where it does not apply, so consumers never guess between absent and empty.
 *
 * It carries no credential and no profile: only the request's identity, what came of it, and where the
 * account stands. Delivery is at least once: deduplicate by `requestId`, order by `version`.
 */
export interface OutcomeEvent {
  readonly schemaVersion: typeof OUTCOME_SCHEMA_VERSION;
  readonly requestId: string;
  /** `create | suspend | resume | update | close`; `null` for a message too malformed to tell. */
  readonly action: string | null;
  /** `null` for a malformed message that names no registered platform. */
  readonly platform: string | null;
  /** `null` for a malformed message that names no valid tenant. */
  readonly tenantId: string | null;
  readonly outcome: Outcome;
  /** What was done when it succeeded (`created`, `adopted`, `suspended`, `no-change`, …), else `null`. */
  readonly result: string | null;
  /** The account's state after the request, `null` when there is no account. */
  readonly state: AccountState | null;
  /** The ledger version of the account after the request, `null` when there is no account. */
  readonly version: number | null;
  /** The platform's sub-account id, once there is one. */
  readonly subAccountId: string | null;
  /** Why it failed or was rejected (`reason` is machine-readable), `null` when it succeeded. */
  readonly error: { readonly reason: string; readonly message: string } | null;
  /** ISO 8601 UTC: when the ledger concluded the request. */
  readonly occurredAt: string;
}

/**
 * Where outcome events go: an EventBridge bus in AWS, a local queue under `npm start`. `publish` resolves once
 * the event is accepted and rejects otherwise; the use case then lets the message be delivered again, and the
 * redelivery, finding the request concluded, publishes the same event again.
 */
export interface OutcomePublisher {
  publish(event: OutcomeEvent): Promise<void>;
}
