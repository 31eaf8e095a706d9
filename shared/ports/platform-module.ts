import type { Secret } from '../secret.ts';
import type * as z from '../zod.ts';
import type {
  CreateResult,
  Credentials,
  LifecycleOperation,
  LifecycleResult,
  ListOptions,
  MasterAccountInfo,
  SubAccount,
  SubAccountWithCredentials,
} from './platform.ts';
import type { RateBudget } from './rate-budget.ts';

/**
 * The plug-in contract: everything the rest of the system knows about one platform. Each folder under
 * `shared/platforms/<name>/` exports one {@link PlatformModule}; `shared/platforms/registry.ts` lists them.
 * Nothing outside a platform folder and the registry names a platform.
 */

/** A profile as it arrives in a request, already validated by the platform's own schema. */
export type Profile = Readonly<Record<string, unknown>>;

/** Raw settings keyed by variable name: the environment, or the deployed platform secret (same keys). */
export type SettingsSource = Readonly<Record<string, string | undefined>>;

/**
 * How a platform's settings are named and checked. Locally they are environment variables; in AWS the
 * {@link secret} ones come from the platform secret, a JSON object with the same variable names as keys.
 */
export interface PlatformSettings {
  /** What every variable of this platform starts with, e.g. `CLOOPEN_`. */
  readonly prefix: string;
  /** The variable of each setting, e.g. `{ accountSid: 'CLOOPEN_ACCOUNT_SID' }`. */
  readonly variables: Readonly<Record<string, string>>;
  /**
   * Settings that say which endpoint and which master account: taken from one source together or not at
   * all, so a stray tuning variable never points half of a platform elsewhere.
   */
  readonly target: readonly string[];
  /** The target setting that is the endpoint (base URL): setting it points the platform elsewhere. */
  readonly endpoint: string;
  /** The setting whose presence says an operator configured this platform (its master account id). */
  readonly account: string;
  /** Settings kept in the deployed platform secret (the rest are tuning with safe defaults). */
  readonly secret: readonly string[];
  /** Validates raw values keyed by setting name; an unset setting is `undefined`. */
  readonly schema: z.ZodMiniObject;
}

/** What a create needs besides the profile; the use case decides it, the platform maps it. */
export interface CreateContext {
  readonly now: Date;
  /** When the account expires: the request's, or the default horizon where the platform requires one. */
  readonly expiresAt: Date | undefined;
  /** A fresh password, for platforms that need one the request did not bring. */
  readonly generatePassword: () => Secret;
}

/** One create, mapped to platform calls; the input it was mapped to stays inside. */
export interface CreatePlan {
  /** The platform's unique human key of the new sub-account (what adoption searches for). */
  readonly naturalKey: string;
  /** Creates the sub-account; a taken natural key answers `already-exists`. */
  create(): Promise<CreateResult>;
  /** The sub-account this create made, or would collide with, with its credentials; for adoption. */
  findExisting(): Promise<SubAccountWithCredentials | undefined>;
}

/** What an update changes besides the profile. */
export interface UpdateContext {
  readonly expiresAt: Date | undefined;
}

/** One update, mapped to platform calls. */
export interface UpdatePlan {
  /** Names of the fields that change, for the history; empty when nothing changes. */
  readonly changed: readonly string[];
  /** The natural key after the update, when the update names one. */
  readonly naturalKey?: string | undefined;
  /** Credentials the update replaces, stored (sealed) over the current ones. */
  readonly credentials?: Credentials | undefined;
  /** The platform call; absent when only the ledger changes (say, an expiry on a platform without one). */
  readonly apply?: ((subAccountId: string) => Promise<LifecycleResult>) | undefined;
}

/**
 * A platform as the use cases, sweeps and the CLI see it: reads and lifecycle calls by the platform's id,
 * creates and updates through plans built from request profiles. Every method throws a `PlatformError`
 * (`./errors.ts`) on failure.
 */
export interface ConnectedPlatform {
  readonly name: string;
  /** The profile field that is the natural key (for messages: "mobile 138… already belongs to …"). */
  readonly naturalKey: string;
  /** True when every sub-account needs an expiry (see {@link PlatformModule.expiryRequired}). */
  readonly expiryRequired: boolean;
  /** The lifecycle operations this platform really performs; the others answer `unsupported`. */
  readonly supports: ReadonlySet<LifecycleOperation>;
  planCreate(profile: Profile, context: CreateContext): CreatePlan;
  planUpdate(profile: Profile | undefined, context: UpdateContext): UpdatePlan;
  findByNaturalKey(naturalKey: string): Promise<SubAccount | undefined>;
  get(id: string): Promise<SubAccountWithCredentials | undefined>;
  list(options?: ListOptions): AsyncIterable<SubAccount>;
  suspend(id: string): Promise<LifecycleResult>;
  resume(id: string): Promise<LifecycleResult>;
  close(id: string): Promise<LifecycleResult>;
  masterAccountInfo(): Promise<MasterAccountInfo>;
}

/** The connected platforms by name, as a use case receives them. */
export type PlatformDirectory = ReadonlyMap<string, ConnectedPlatform>;

/** A value of an option of a {@link PlatformCheck}, after its parser. */
export type CheckOptionValue = string | number | boolean | undefined;

/** An option of a {@link PlatformCheck}, in commander's notation (`--limit <n>`). */
export interface CheckOption {
  readonly flags: string;
  readonly description: string;
  readonly defaultValue?: string | undefined;
  /** Turns the text into the value; throws a clear error for a bad one. */
  readonly parse?: ((value: string) => CheckOptionValue) | undefined;
}

/** What a check found, for the CLI to print as JSON or as a table. */
export interface CheckReport {
  readonly json: unknown;
  readonly rows: readonly Readonly<Record<string, unknown>>[];
  readonly columns: readonly string[];
  /** A line for standard error after the table, e.g. a count. */
  readonly footer?: string | undefined;
}

/** A read-only CLI subcommand (`provisioner platform <name> <check>`), to test a platform's settings. */
export interface PlatformCheck {
  readonly name: string;
  readonly description: string;
  readonly argument?: { readonly name: string; readonly description: string } | undefined;
  readonly options?: readonly CheckOption[] | undefined;
  run(
    platform: ConnectedPlatform,
    input: {
      readonly argument?: string | undefined;
      readonly options: Readonly<Record<string, CheckOptionValue>>;
    },
  ): Promise<CheckReport>;
}

/** Options of {@link PlatformModule.connect}. */
export interface ConnectOptions {
  /** The clock requests are signed with. */
  readonly now?: (() => Date) | undefined;
  /** The HTTP transport (the runtime wraps it to time every platform call). */
  readonly fetch?: ((input: string | URL, init?: RequestInit) => Promise<Response>) | undefined;
  /**
   * The rate budget shared by every process of the fleet, for platforms with a rate limit; without one a
   * platform paces the calls of this process only.
   */
  readonly rateBudget?: RateBudget | undefined;
}

/** One platform, as a plug-in. */
export interface PlatformModule {
  /** The name requests carry in `platform`, and the ledger in its keys. */
  readonly name: string;
  /** For people: `Cloopen (云通讯)`. */
  readonly title: string;
  readonly settings: PlatformSettings;
  /** The request profiles: the event contract is composed from them. */
  readonly profiles: { readonly create: z.ZodMiniObject; readonly update: z.ZodMiniObject };
  /** The profile field that is the platform's unique human key (what two tenants may never share). */
  readonly naturalKey: string;
  /** The lifecycle operations the platform performs; the others are refused as `unsupported`. */
  readonly capabilities: ReadonlySet<LifecycleOperation>;
  /** True when the platform itself needs an expiry: a create without one gets the default horizon. */
  readonly expiryRequired: boolean;
  /** True when its master account reports a balance (reconciliation measures it; an alarm watches it). */
  readonly reportsBalance?: boolean | undefined;
  /**
   * The platform's own name of each stored credential, where it differs (`partnerKey` → `partner_key`), for
   * the documents handed to a signup flow; `subAccountId` names the field the sub-account id goes under too.
   */
  readonly credentialNames?: Readonly<Record<string, string>> | undefined;
  /** Builds the client from raw settings. Throws `ConfigurationError` naming each bad variable. */
  connect(source: SettingsSource, options?: ConnectOptions): ConnectedPlatform;
  /** Read-only CLI subcommands. */
  readonly checks: readonly PlatformCheck[];
}
