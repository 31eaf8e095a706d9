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
  /** A create that failed for now and is being retried (state `pending`): later requests wait behind it. */
  readonly pendingRequestId?: string | undefined;
  /**
   * When the account was last suspended. A suspension at or after `expiresAt` starts the expiry grace: the
   * ledger then files the account among the expired ones, which the sweep closes when the grace ends.
   */
  readonly suspendedAt?: string | undefined;
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
  /**
   * The account version this request's conclusion wrote, when it wrote the account. The account write and
   * the conclusion are made side by side, so a conclusion can outlive a lost account write: a redelivery
   * that finds the account below this version applies the request again instead of calling it a duplicate.
   */
  readonly accountVersion?: number | undefined;
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

/**
 * Where an account stands in its expiry: `open` (active, or suspended before it expired) is due for
 * suspension at `expiresAt`; `expired` (suspended at or after its expiry) is due for closing when its grace
 * ends. The sweep reads accounts by phase and expiry, so it reads only the ones it acts on.
 */
export type ExpiryPhase = 'open' | 'expired';

/** An account as the expiry listing gives it: what the sweep needs to act, no more. */
export interface DueAccount extends AccountKey {
  readonly phase: ExpiryPhase;
  /** ISO 8601 UTC. */
  readonly expiresAt: string;
}

/** What the ledger holds about one request of one account, read in one round trip. */
export interface RequestView {
  readonly account?: AccountRecord | undefined;
  /** The request's history, if an earlier delivery recorded one (concluded, or failed for now). */
  readonly request?: HistoryEntry | undefined;
}

/** The outcome of {@link Ledger.claimNaturalKey}. */
export interface NaturalKeyClaim {
  /** The tenant that holds the key: the claimant itself, or another tenant when the key is taken. */
  readonly holder: string;
  /**
   * True when the claimant held the key before this call: an earlier attempt of its create may have
   * reached the platform, so the create looks the sub-account up before it makes one.
   */
  readonly heldBefore: boolean;
}

/** The history fields a request's record starts with (its first delivery's). */
export type RequestOpening = Omit<HistoryEntry, 'status' | 'result' | 'error' | 'finishedAt' | 'events'> & {
  readonly requestId: string;
  readonly receivedAt: string;
};

/** How a request ends: its conclusion, and the account record it leaves, written side by side. */
export interface RequestCommit {
  readonly opening: RequestOpening;
  /** Events of this delivery before the conclusion's own (`received`, `redelivered`, …). */
  readonly events: readonly HistoryEvent[];
  readonly conclusion: RequestConclusion;
  /** The account to save (`version` one above the stored one, or 1 for a new record). */
  readonly account?: AccountRecord | undefined;
  /**
   * True when this delivery applies again a request that concluded but whose account write was lost
   * (`HistoryEntry.accountVersion` above the stored account's). Only such a commit may replace a
   * conclusion, and only once its account write has succeeded: a stale delivery that read the request in
   * progress must never overwrite the conclusion another delivery wrote since.
   */
  readonly redo?: boolean | undefined;
  /**
   * True when the request's read found no history: the ledger may write it whole (a Put, cheaper to
   * evaluate than an update), falling back to an update should one have appeared meanwhile.
   */
  readonly unrecorded?: boolean | undefined;
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
  /** The account and one request's history, in one strongly consistent round trip. */
  readRequest(key: AccountKey, requestId: string): Promise<RequestView>;
  /**
   * Concludes a request and saves the account it leaves, in one round trip (the two writes are made side
   * by side). The account write is conditional as in {@link Ledger.saveAccount} / {@link Ledger.createAccount}
   * (`ConcurrentUpdateError`); the conclusion is written once: a request concluded before is left as it
   * was, unless the commit is a {@link RequestCommit.redo}, whose account is written first.
   */
  commitRequest(key: AccountKey, commit: RequestCommit): Promise<void>;
  /**
   * Appends events to a request's history, starting the history (status `in-progress`) from `opening`
   * when there is none yet: how a failed attempt is recorded before the queue delivers the message again.
   */
  recordAttempt(key: AccountKey, opening: RequestOpening, events: readonly HistoryEvent[]): Promise<void>;
  /** Appends an event to an existing request's history (a duplicate delivery). */
  appendEvent(key: AccountKey, requestId: string, event: HistoryEvent): Promise<void>;
  /**
   * Records a message that was rejected before it could be applied. Filed under its account when the
   * message names a valid platform and tenant, else under the day's unattributed rejections. Idempotent
   * per `messageId`.
   */
  recordRejection(entry: HistoryEntry & { readonly messageId: string }): Promise<void>;
  /**
   * Claims a platform's natural key (Cloopen friendlyName, Baijiayun mobile) for a tenant, so that two
   * tenants can never be given, or adopt, the same sub-account. The claim also marks the create in flight:
   * it names `requestId`, and {@link NaturalKeyClaim.heldBefore} tells a retry that an earlier attempt may
   * have reached the platform.
   */
  claimNaturalKey(
    platform: PlatformName,
    naturalKey: string,
    tenantId: string,
    requestId?: string,
  ): Promise<NaturalKeyClaim>;
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
   * Accounts of one platform in `phase` whose `expiresAt` is at or before `before` (ISO 8601 UTC), earliest
   * first, from the index: the reads grow with the accounts due, not with the ledger.
   */
  listDue(platform: PlatformName, phase: ExpiryPhase, before: string): AsyncIterable<DueAccount>;
  /**
   * How many live (active or suspended) accounts there are, of one platform or all; counting stops at
   * `upTo` when given, since a guard only needs to know whether there are at least that many.
   */
  countLiveAccounts(platform?: PlatformName, upTo?: number): Promise<number>;
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
