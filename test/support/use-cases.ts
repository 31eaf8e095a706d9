import { requestContract } from '../../shared/contract.ts';
import { createLocalCipher } from '../../shared/crypto/index.ts';
import { createAccount, startCreate } from '../../shared/domain/create-account.ts';
import type { Applied, ProvisioningDependencies } from '../../shared/domain/dependencies.ts';
import type { IncomingMessage } from '../../shared/domain/process-message.ts';
import type {
  CreateRequest,
  LifecycleRequest,
  ProvisioningRequestInput,
  UpdateRequest,
} from '../../shared/domain/request.ts';
import { createDynamoDbLedger, createLedgerTable } from '../../shared/ledger/index.ts';
import { platformNames } from '../../shared/platforms/registry.ts';
import type { AccountKey, AccountRecord, Ledger } from '../../shared/ports/ledger.ts';
import type { Credentials } from '../../shared/ports/platform.ts';
import { buildPlatforms } from '../../shared/runtime/platforms.ts';
import { Secret } from '../../shared/secret.ts';
import { type LocalSimulators, startLocalSimulators } from '../../simulators/local.ts';
import { type DynaliteHandle, startDynalite } from './dynalite.ts';

/**
 * The provisioning use cases wired by hand, without a queue: the ledger on dynalite, both platform
 * simulators, the request contract, a local cipher, a fixed clock and a deterministic password.
 */

/** The instant every use case sees unless a test asks for another. */
export const NOW = new Date('2026-03-02T01:30:00.000Z');
/** What `generatePassword` always answers (a valid Baijiayun password: 6-18 printable characters). */
export const GENERATED_PASSWORD = 'Generated-Pw-0001';
/** `settings.defaultHorizonDays` of the harness. */
export const DEFAULT_HORIZON_DAYS = 30;
/** `settings.maxReceiveCount` of the harness. */
export const MAX_RECEIVE_COUNT = 3;

const DAY_MS = 86_400_000;

/** The request type of each action. */
export type RequestOf<A extends ProvisioningRequestInput['action']> = A extends 'create'
  ? CreateRequest
  : A extends 'update'
    ? UpdateRequest
    : LifecycleRequest;

/** A running harness: one dynalite with one ledger table, both simulators, and the dependencies on them. */
export interface UseCaseHarness {
  readonly db: DynaliteHandle;
  /** The ledger's table, for tests that reach past the ledger (to lose a write, say). */
  readonly tableName: string;
  readonly simulators: LocalSimulators;
  readonly ledger: Ledger;
  /** The dependencies at {@link NOW}. */
  readonly deps: ProvisioningDependencies;
  /** The same dependencies with the clock stopped at another instant (a later delivery, say). */
  at(instant: Date): ProvisioningDependencies;
  /** A tenant id and request id no other test of the file uses. */
  ids(prefix: string): { readonly tenantId: string; readonly requestId: string };
  /** An 11-digit mobile no other test of the file uses. */
  mobile(): string;
  /** The account, which must exist and have a sub-account. */
  account(key: AccountKey): Promise<AccountRecord & { subAccountId: string }>;
  /** Opens an account's sealed credentials with the harness cipher. */
  credentials(record: AccountRecord): Promise<Credentials>;
  stop(): Promise<void>;
}

let tables = 0;

/** Starts dynalite and both simulators, and builds the dependencies on them. */
export async function startUseCaseHarness(): Promise<UseCaseHarness> {
  const db = await startDynalite();
  const simulators = await startLocalSimulators();
  const tableName = `use-cases-${process.pid}-${++tables}`;
  await createLedgerTable(db.client, tableName);
  // The registry's names: the ledger files a rejection under its account only for a platform it knows.
  const options = { client: db.client, tableName, platforms: platformNames };
  const ledger = createDynamoDbLedger(options);
  const platforms = buildPlatforms({
    ...simulators.env,
    CLOOPEN_TIMEOUT_MS: '1000',
    BAIJIAYUN_TIMEOUT_MS: '1000',
  });
  const cipher = createLocalCipher({ keyId: 'use-case-test-key', key: Buffer.alloc(32, 7) });
  const at = (instant: Date): ProvisioningDependencies => ({
    ledger,
    platforms,
    contract: requestContract,
    cipher,
    settings: { defaultHorizonDays: DEFAULT_HORIZON_DAYS, maxReceiveCount: MAX_RECEIVE_COUNT },
    now: () => new Date(instant),
    generatePassword: () => new Secret(GENERATED_PASSWORD),
  });
  let sequence = 0;
  let mobiles = 0;
  return {
    db,
    tableName,
    simulators,
    ledger,
    deps: at(NOW),
    at,
    ids(prefix) {
      sequence += 1;
      return { tenantId: `${prefix}_${sequence}`, requestId: `${prefix}-req-${sequence}` };
    },
    mobile() {
      mobiles += 1;
      return `139${String(mobiles).padStart(8, '0')}`;
    },
    async account(key) {
      const record = await ledger.getAccount(key);
      const subAccountId = record?.subAccountId;
      if (!record || !subAccountId) {
        throw new Error(`${key.platform}/${key.tenantId} has no provisioned account`);
      }
      return { ...record, subAccountId };
    },
    credentials(record) {
      if (!record.credentials) throw new Error(`${record.platform}/${record.tenantId} has no credentials`);
      return cipher.open(record.credentials, { platform: record.platform, tenantId: record.tenantId });
    },
    async stop() {
      await simulators.close();
      await db.stop();
    },
  };
}

/** The clock of a set of dependencies (the harness always sets one). */
export function clockOf(deps: ProvisioningDependencies): () => Date {
  const now = deps.now;
  if (!now) throw new Error('these dependencies have no clock');
  return now;
}

/** `days` days after `instant`. */
export function daysAfter(instant: Date, days: number): Date {
  return new Date(instant.getTime() + days * DAY_MS);
}

/**
 * Runs a request input through the contract, as the envelope would, and returns the validated request.
 * Throws when the input is not valid, so a test never feeds a use case what the contract would refuse.
 */
export function validRequest<A extends ProvisioningRequestInput['action']>(
  input: ProvisioningRequestInput & { readonly action: A },
): RequestOf<A> {
  const parsed = requestContract.parse(JSON.stringify(input));
  if (!parsed.ok) throw new Error(`not a valid request: ${parsed.issues.join('; ')}`);
  if (parsed.request.action !== input.action) throw new Error(`parsed as ${parsed.request.action}`);
  return parsed.request as RequestOf<A>;
}

/** One delivery of a message: a request input (as JSON) or a raw body. */
export function delivery(
  body: ProvisioningRequestInput | string,
  options: { readonly messageId?: string; readonly receiveCount?: number } = {},
): IncomingMessage {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    messageId: options.messageId ?? `msg-${Math.random().toString(36).slice(2)}`,
    body: text,
    receiveCount: options.receiveCount ?? 1,
  };
}

/** A Cloopen create input named `{tenantId}@example.com` unless told otherwise. */
export function cloopenCreateInput(
  ids: { readonly tenantId: string; readonly requestId: string },
  profile: Readonly<Record<string, unknown>> = {},
): ProvisioningRequestInput & { readonly action: 'create' } {
  return {
    schemaVersion: 1,
    requestId: ids.requestId,
    tenantId: ids.tenantId,
    platform: 'cloopen',
    action: 'create',
    profile: { friendlyName: `${ids.tenantId}@example.com`, ...profile },
  };
}

/** A Baijiayun create input for this mobile, with whatever else the test adds. */
export function baijiayunCreateInput(
  ids: { readonly tenantId: string; readonly requestId: string },
  mobile: string,
  extra: { readonly expiresAt?: string; readonly profile?: Readonly<Record<string, unknown>> } = {},
): ProvisioningRequestInput & { readonly action: 'create' } {
  return {
    schemaVersion: 1,
    requestId: ids.requestId,
    tenantId: ids.tenantId,
    platform: 'baijiayun',
    action: 'create',
    ...(extra.expiresAt === undefined ? {} : { expiresAt: extra.expiresAt }),
    profile: { mobile, email: `${ids.tenantId}@example.com`, ...extra.profile },
  };
}

/** A suspend, resume or close input. */
export function lifecycleInput<A extends LifecycleRequest['action']>(
  key: AccountKey,
  requestId: string,
  action: A,
): ProvisioningRequestInput & { readonly action: A } {
  return { schemaVersion: 1, requestId, tenantId: key.tenantId, platform: key.platform, action };
}

/** An update input. */
export function updateInput(
  key: AccountKey,
  requestId: string,
  change: { readonly expiresAt?: string; readonly profile?: Readonly<Record<string, unknown>> },
): ProvisioningRequestInput & { readonly action: 'update' } {
  return {
    schemaVersion: 1,
    requestId,
    tenantId: key.tenantId,
    platform: key.platform,
    action: 'update',
    ...change,
  };
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/**
 * Runs an action's use case as the envelope would, without its history: saves the account it returns
 * (the envelope saves it beside the conclusion) and hands back what it applied.
 */
export async function saved(
  deps: ProvisioningDependencies,
  applying: Promise<Applied>,
): Promise<Pick<Applied, 'result' | 'detail'>> {
  const { account, ...applied } = await applying;
  if (account) {
    await (account.version === 1 ? deps.ledger.createAccount(account) : deps.ledger.saveAccount(account));
  }
  return applied;
}

/** {@link createAccount} after {@link startCreate} (the natural-key claim), its account saved. */
export async function runCreate(
  request: CreateRequest,
  account: AccountRecord | undefined,
  deps: ProvisioningDependencies,
  now: () => Date,
): Promise<Pick<Applied, 'result' | 'detail'>> {
  const start = await startCreate(request, deps, now);
  return saved(deps, createAccount(request, account, start, deps, now));
}
