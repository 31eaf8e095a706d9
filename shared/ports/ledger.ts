import type { SealedCredentials } from './cipher.ts';
import type { PlatformName } from './platform.ts';

/** One sub-account in the ledger: one tenant on one platform. */
export interface AccountKey {
  readonly platform: PlatformName;
  readonly tenantId: string;
}

/** Where an account stands, as far as the ledger knows. */
export const ACCOUNT_STATES = ['pending', 'active', 'suspended', 'closed', 'failed'] as const;
/** One of {@link ACCOUNT_STATES}. */
export type AccountState = (typeof ACCOUNT_STATES)[number];

/** A recorded failure, safe to show operators (no secrets). */
export interface RecordedError {
  /** Machine-readable reason: a platform error category, `invalid-request`, `unsupported`, … */
  readonly reason: string;
  /** The vendor's code, when a vendor answered. */
  readonly code?: string | undefined;
  readonly message: string;
  readonly retryable?: boolean | undefined;
}

/** The current state of one account. */
export interface AccountRecord extends AccountKey {
  readonly state: AccountState;
  /** Bumped by every write; writes are conditional on the version read. */
  readonly version: number;
  /** The platform's sub-account id, once known. */
  readonly subAccountId?: string | undefined;
  /** Cloopen friendlyName or Baijiayun mobile: what adoption searches for. */
  readonly naturalKey?: string | undefined;
  /** The profile last applied, passwords removed. */
  readonly profile?: Readonly<Record<string, unknown>> | undefined;
  /** ISO 8601: when the expiry sweep acts on the account. */
  readonly expiresAt?: string | undefined;
  readonly credentials?: SealedCredentials | undefined;
  /** The request whose platform call may be in flight: a retry of it must look before it creates. */
  readonly pendingRequestId?: string | undefined;
  /** The last request whose effect this record reflects. */
  readonly lastRequestId?: string | undefined;
  readonly lastError?: RecordedError | undefined;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Where a request stands. `in-progress` is the only state that is not final. */
export type RequestStatus = 'in-progress' | 'succeeded' | 'rejected' | 'failed';

/** One thing that happened while handling a request. */
export interface HistoryEvent {
  readonly at: string;
  /** e.g. `received`, `platform-call`, `adopted`, `attempt-failed`, `succeeded`, `rejected`. */
  readonly kind: string;
  readonly detail?: string | undefined;
  readonly error?: RecordedError | undefined;
}

/** The history of one request against one account (or of one malformed message). */
export interface HistoryEntry {
  readonly requestId?: string | undefined;
  /** The SQS message id that first carried it. */
  readonly messageId?: string | undefined;
  readonly platform?: string | undefined;
  readonly tenantId?: string | undefined;
  readonly action?: string | undefined;
  /** A hash of what the request asked for (passwords left out), to tell a redelivery from a reused id. */
  readonly fingerprint?: string | undefined;
  readonly status: RequestStatus;
  /** What came of it when it succeeded: `created`, `adopted`, `already-provisioned`, `suspended`, `no-change`, … */
  readonly result?: string | undefined;
  readonly error?: RecordedError | undefined;
  /** For rejected messages: each problem found. */
  readonly issues?: readonly string[] | undefined;
  readonly receivedAt: string;
  readonly finishedAt?: string | undefined;
  /** Appended to, never rewritten. */
  readonly events: readonly HistoryEvent[];
}

/** How a request ended, written once. */
export interface RequestConclusion {
  readonly status: Exclude<RequestStatus, 'in-progress'>;
  readonly result?: string | undefined;
  readonly error?: RecordedError | undefined;
  readonly finishedAt: string;
  readonly event: HistoryEvent;
}

/** The states the expiry sweep acts on, and so the states the ledger indexes by expiry. */
export type ExpiringState = 'active' | 'suspended';

/** An account as the expiry index lists it: what the sweep needs to decide, no more. */
export interface ExpiringAccount extends AccountKey {
  readonly state: ExpiringState;
  /** ISO 8601 UTC. */
  readonly expiresAt: string;
}

/** Something an operation (not a request) did or refused, kept for operators: a tripped sweep guard. */
export interface OperationEvent {
  /** e.g. `sweep-guard-tripped`. */
  readonly kind: string;
  readonly at: string;
  readonly detail: string;
  /** How many accounts it concerned. */
  readonly count?: number | undefined;
}

/** How the ledger and a platform disagree. */
export type DriftKind = 'orphan' | 'missing' | 'state-mismatch';

/** A disagreement between the ledger and a platform, as reconciliation remembers it across scans. */
export interface DriftRecord {
  /** Unique per platform: `{kind}:{subAccountId}`. */
  readonly id: string;
  readonly platform: PlatformName;
  readonly kind: DriftKind;
  readonly subAccountId: string;
  /** The ledger's account, when there is one (missing, state-mismatch). */
  readonly tenantId?: string | undefined;
  readonly naturalKey?: string | undefined;
  readonly ledgerState?: string | undefined;
  readonly platformState?: string | undefined;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  /** Consecutive scans that saw it; reported from 2 on. */
  readonly scans: number;
}

/** A platform the handlers stop calling for a while, shared by every execution environment. */
export interface QuarantineState {
  readonly platform: PlatformName;
  readonly since: string;
  /** Until when no call is made; after it, the prober may try the platform once. */
  readonly until: string;
  /** The current cool-down, ms. */
  readonly coolDownMs: number;
  /** While a prober holds the probe. */
  readonly probeUntil?: string | undefined;
}

/** A message a handler set aside while its platform was quarantined: hidden, waiting to be released. */
export interface ParkedMessage {
  readonly messageId: string;
  readonly queueUrl: string;
  /** Valid for as long as the message stays hidden (12 h at most). */
  readonly receiptHandle: string;
  readonly parkedAt: string;
}

/** Filter of {@link Ledger.listAccounts}. */
export interface AccountFilter {
  readonly platform?: PlatformName | undefined;
  readonly state?: AccountState | undefined;
}

/**
 * The ledger: current state per account plus an append-only history per request.
 *
 * Built from single-item conditional writes only (no transactions), so that it runs on dynalite as on
 * DynamoDB; the use case orders its writes so that a crash between any two leaves a state the retry
 * recognises. Storage failures surface as retryable domain errors (`DependencyUnavailableError`), a lost
 * race as `ConcurrentUpdateError`.
 */
export interface Ledger {
  getAccount(key: AccountKey): Promise<AccountRecord | undefined>;
  /** Stores a new record; `ConcurrentUpdateError` when one exists. `record.version` must be 1. */
  createAccount(record: AccountRecord): Promise<void>;
  /** Replaces the record if its stored version is `record.version - 1`; else `ConcurrentUpdateError`. */
  saveAccount(record: AccountRecord): Promise<void>;
  /**
   * Starts the history of a request, or returns the one already there (a redelivery): the caller checks
   * its status to recognise a duplicate.
   */
  beginRequest(key: AccountKey, entry: HistoryEntry & { readonly requestId: string }): Promise<HistoryEntry>;
  /** Appends an event to a request's history. */
  appendEvent(key: AccountKey, requestId: string, event: HistoryEvent): Promise<void>;
  /** Records the end of a request (once; a second conclusion of a finished request is ignored). */
  concludeRequest(key: AccountKey, requestId: string, conclusion: RequestConclusion): Promise<void>;
  /**
   * Records a message that was rejected before it could be applied. Filed under its account when the
   * message names a valid platform and tenant, else under the day's unattributed rejections. Idempotent
   * per `messageId`.
   */
  recordRejection(entry: HistoryEntry & { readonly messageId: string }): Promise<void>;
  /**
   * Claims a platform's natural key (Cloopen friendlyName, Baijiayun mobile) for a tenant, so that two
   * tenants can never be given, or adopt, the same sub-account. Returns the tenant that holds the claim:
   * `tenantId` itself when the claim is new or already its own, another tenant when the key is taken.
   */
  claimNaturalKey(platform: PlatformName, naturalKey: string, tenantId: string): Promise<string>;
  /** Gives up a tenant's claim on a natural key (after a Baijiayun mobile change); others' claims stay. */
  releaseNaturalKey(platform: PlatformName, naturalKey: string, tenantId: string): Promise<void>;
  /** Every request's history for one account, oldest first. */
  getHistory(key: AccountKey): Promise<HistoryEntry[]>;
  /** Accounts, optionally of one platform and/or state. */
  listAccounts(filter?: AccountFilter): AsyncIterable<AccountRecord>;
  /** Rejected messages that named no valid account, for one UTC day (`YYYY-MM-DD`). */
  listUnattributedRejections(day: string): Promise<HistoryEntry[]>;
  /**
   * Every rejected message, attributed or not, received on the UTC days `since` to `until` (`YYYY-MM-DD`,
   * both included), day by day, each day in the order received; records past their retention are skipped.
   */
  listRejections(since: string, until: string, now?: Date): AsyncIterable<HistoryEntry>;
  /**
   * Accounts of one platform in `state` whose `expiresAt` is at or before `before` (ISO 8601 UTC), earliest
   * first, from the expiry index: the reads grow with the accounts due, not with the ledger.
   */
  listExpired(platform: PlatformName, state: ExpiringState, before: string): AsyncIterable<ExpiringAccount>;
  /** How many accounts there are, optionally of one platform and/or state (counted on the state index). */
  countAccounts(filter?: AccountFilter): Promise<number>;
  /**
   * Records what one reconciliation scan of a platform observed: a drift seen before counts one more scan,
   * a new one starts at one, and drifts this scan did not see are forgotten (so only consecutive scans
   * count). Returns the observed drifts as now recorded.
   */
  recordDriftScan(
    platform: PlatformName,
    observed: readonly Omit<DriftRecord, 'firstSeenAt' | 'lastSeenAt' | 'scans'>[],
    at: string,
  ): Promise<DriftRecord[]>;
  /** The drifts recorded for one platform, or all platforms. */
  listDrift(platform?: PlatformName): Promise<DriftRecord[]>;
  /** Forgets one drift (it was repaired). */
  resolveDrift(platform: PlatformName, id: string): Promise<void>;
  /** The platform's quarantine, if it has one. */
  getQuarantine(platform: PlatformName): Promise<QuarantineState | undefined>;
  /** Starts a quarantine unless one is already on; true when this call started it. */
  enterQuarantine(state: QuarantineState): Promise<boolean>;
  /** Takes the probe of a quarantine whose cool-down is over, for `leaseMs`; false when it is not due or taken. */
  claimProbe(platform: PlatformName, at: string, leaseMs: number): Promise<boolean>;
  /** A failed probe: the quarantine goes on for another cool-down. */
  extendQuarantine(platform: PlatformName, until: string, coolDownMs: number): Promise<void>;
  /** A successful probe: the quarantine ends. */
  endQuarantine(platform: PlatformName): Promise<void>;
  parkMessage(platform: PlatformName, message: ParkedMessage): Promise<void>;
  listParked(platform: PlatformName): Promise<ParkedMessage[]>;
  unpark(platform: PlatformName, messageId: string): Promise<void>;
  /** Keeps an operations event, filed under its UTC day. */
  recordOperation(event: OperationEvent): Promise<void>;
  /** The operations events of one UTC day (`YYYY-MM-DD`), oldest first. */
  listOperations(day: string): Promise<OperationEvent[]>;
}
