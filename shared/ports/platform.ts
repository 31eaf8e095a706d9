import type { Secret } from '../secret.ts';

/**
 * A platform's name, as the registry (`shared/platforms/registry.ts`) lists it. Plain text here: the domain
 * and the ports know no platform by name.
 */
export type PlatformName = string;

/** Lifecycle operations a platform may or may not offer; `create` and reads are offered by all. */
export const LIFECYCLE_OPERATIONS = ['suspend', 'resume', 'update', 'close'] as const;
/** One of {@link LIFECYCLE_OPERATIONS}. */
export type LifecycleOperation = (typeof LIFECYCLE_OPERATIONS)[number];

/** A sub-account's state as the platform reports it. */
export type SubAccountStatus = 'active' | 'suspended' | 'closed' | 'unknown';

/** A non-secret field value the platform reported, kept for operators. */
export type DetailValue = string | number | boolean | null;

/** A sub-account as a platform reports it, secrets excluded. */
export interface SubAccount {
  readonly platform: PlatformName;
  /** The platform's id: Cloopen `subAccountSid`, Baijiayun sub-account `partner_id` (as a string). */
  readonly id: string;
  /** The platform's unique human key: Cloopen `friendlyName`, Baijiayun `mobile`. */
  readonly naturalKey: string;
  readonly status: SubAccountStatus;
  /** ISO 8601 with offset, when the platform says. */
  readonly createdAt?: string | undefined;
  /** ISO 8601 with offset: when the account starts to work (Baijiayun `effect_time`). */
  readonly effectiveAt?: string | undefined;
  /** ISO 8601 with offset: when the platform itself stops the account (Baijiayun `expire_time`). */
  readonly expiresAt?: string | undefined;
  /** Every other non-secret field, under the platform's own names. */
  readonly details: Readonly<Record<string, DetailValue>>;
}

/**
 * Credentials a platform issued for or holds about a sub-account (Cloopen `subToken`, `voipPwd`; Baijiayun
 * `password`, `partner_key`, `secret_key`), keyed by camelCase name. Always {@link Secret}s.
 */
export type Credentials = Readonly<Record<string, Secret>>;

/** A sub-account with the credentials the platform shows for it. */
export interface SubAccountWithCredentials extends SubAccount {
  readonly credentials: Credentials;
}

/** The answer to a create call. A taken natural key is an answer, not an error: callers adopt. */
export type CreateResult =
  | {
      readonly outcome: 'created';
      readonly account: SubAccount;
      readonly credentials: Credentials;
      /**
       * False when the sub-account exists but the platform could not yet be asked for every credential it
       * issued (a follow-up read failed): the caller reads them with `get` before recording the account.
       */
      readonly credentialsComplete?: boolean | undefined;
    }
  | { readonly outcome: 'already-exists'; readonly naturalKey: string };

/** The answer to a lifecycle call. `unsupported` is never silent: the caller must handle it. */
export type LifecycleResult =
  | { readonly outcome: 'applied' }
  | { readonly outcome: 'unsupported'; readonly operation: LifecycleOperation; readonly reason: string };

/** The master (parent) account's own state, for operators checking credentials and balance. */
export interface MasterAccountInfo {
  readonly platform: PlatformName;
  readonly name?: string | undefined;
  readonly status?: string | undefined;
  readonly balance?: string | undefined;
  readonly details: Readonly<Record<string, DetailValue>>;
}

/** Options of {@link Platform.list}. */
export interface ListOptions {
  /** Only accounts in this state, where the platform can filter (Baijiayun); others filter nothing. */
  readonly status?: 'all' | 'active' | 'stopped' | undefined;
  /** Page size to ask for; each client clamps it to its platform's bounds. */
  readonly pageSize?: number | undefined;
}

/**
 * A platform on which sub-accounts live, in domain terms.
 *
 * Every method throws a {@link PlatformError} (see `./errors.ts`) on failure; the category on that error is
 * all a caller needs to decide about retries.
 */
export interface Platform<TCreate, TUpdate> {
  readonly name: PlatformName;
  /** The lifecycle operations this platform really performs; the others answer `unsupported`. */
  readonly supports: ReadonlySet<LifecycleOperation>;
  /** Creates a sub-account. A taken natural key answers `already-exists`. */
  create(input: TCreate): Promise<CreateResult>;
  /** Finds a sub-account by its natural key; `undefined` when none has it. */
  findByNaturalKey(naturalKey: string): Promise<SubAccount | undefined>;
  /**
   * Finds the sub-account a create with this input made, or would collide with, with its credentials:
   * what adoption needs after a lost answer or an `already-exists`. `undefined` when there is none.
   */
  findExisting(input: TCreate): Promise<SubAccountWithCredentials | undefined>;
  /** Reads one sub-account by the platform's id, with its credentials; `undefined` when it does not exist. */
  get(id: string): Promise<SubAccountWithCredentials | undefined>;
  /** Every sub-account, page after page, fetched lazily as the caller iterates. */
  list(options?: ListOptions): AsyncIterable<SubAccount>;
  suspend(id: string): Promise<LifecycleResult>;
  resume(id: string): Promise<LifecycleResult>;
  close(id: string): Promise<LifecycleResult>;
  update(id: string, changes: TUpdate): Promise<LifecycleResult>;
  masterAccountInfo(): Promise<MasterAccountInfo>;
}

/** Builds the `unsupported` answer, so every client words it the same way. */
export function unsupported(
  platform: PlatformName,
  operation: LifecycleOperation,
  why: string,
): LifecycleResult {
  return { outcome: 'unsupported', operation, reason: `${platform} does not support ${operation}: ${why}` };
}
