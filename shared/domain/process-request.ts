import { createHash, randomInt } from 'node:crypto';
import type { CredentialCipher } from '../ports/cipher.ts';
import { isPlatformError } from '../ports/errors.ts';
import type {
  AccountKey,
  AccountRecord,
  AccountState,
  HistoryEvent,
  Ledger,
  RecordedError,
  RequestStatus,
} from '../ports/ledger.ts';
import type {
  BaijiayunCreateInput,
  BaijiayunUpdateInput,
  LifecycleResult,
  Platform,
  Platforms,
} from '../ports/platform.ts';
import { Secret } from '../secret.ts';
import { classifyFailure, ProvisioningError, RequestNotApplicableError } from './errors.ts';
import { type ProvisioningRequest, parseProvisioningRequest } from './request.ts';

/** One delivery of one message, as the queue hands it over. */
export interface IncomingMessage {
  readonly messageId: string;
  readonly body: string;
  /** How many times this message has been received, this time included (SQS ApproximateReceiveCount). */
  readonly receiveCount: number;
}

/** What the handler acknowledges. Retryable failures are thrown as {@link RetryLaterError} instead. */
export type MessageOutcome =
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

/** A failure worth another delivery; the message must not be acknowledged. */
export class RetryLaterError extends ProvisioningError {
  override readonly name = 'RetryLaterError';
  readonly requestId: string;

  constructor(requestId: string, cause: unknown) {
    super(`Request ${requestId} failed transiently: ${describe(cause)}`, {
      reason: 'retry-later',
      retryable: true,
      cause,
    });
    this.requestId = requestId;
  }
}

/** Settings of the use case. */
export interface ProvisioningSettings {
  /** Baijiayun requires an expiry: when a create names none, it is now plus this many days. */
  readonly defaultHorizonDays: number;
  /** Deliveries before SQS moves a message to the DLQ; the last failed attempt says so in the history. */
  readonly maxReceiveCount: number;
}

/** What the use case needs, all injected. */
export interface ProvisioningDependencies {
  readonly ledger: Ledger;
  readonly platforms: Platforms;
  readonly cipher: CredentialCipher;
  readonly settings: ProvisioningSettings;
  readonly now?: (() => Date) | undefined;
  /** Password for Baijiayun creates that bring none; 16 random letters and digits by default. */
  readonly generatePassword?: (() => Secret) | undefined;
}

const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A 16-character password (about 93 bits), inside the 6-18 characters the platform accepts. */
export function generatePassword(): Secret {
  let value = '';
  for (let i = 0; i < 16; i++) value += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return new Secret(value);
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, canonical(v)]),
  );
}

/**
 * What a request asks for, as a hash that does not depend on key order. The password is left out: an
 * unsalted hash of a short password next to the rest of the request would be a guessable copy of it.
 */
export function fingerprint(request: ProvisioningRequest): string {
  const profile = 'profile' in request ? storedProfile(request.profile) : undefined;
  const body = canonical({ ...request, profile });
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

function describe(error: unknown): string {
  if (isPlatformError(error)) {
    const vendor = [error.code, error.vendorMessage].filter(Boolean).join(' ');
    return vendor ? `${error.message} [${vendor}]` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Turns any failure into what the ledger keeps: reason, vendor code, message; never a secret. */
export function toRecordedError(error: unknown): RecordedError {
  const retryable = classifyFailure(error) === 'retryable';
  if (isPlatformError(error)) {
    return { reason: error.category, code: error.code, message: describe(error), retryable };
  }
  if (error instanceof ProvisioningError) return { reason: error.reason, message: error.message, retryable };
  return { reason: 'internal', message: describe(error), retryable };
}

interface Applied {
  readonly result: string;
  readonly detail: string;
}

const TARGET_STATE = { suspend: 'suspended', resume: 'active', close: 'closed' } as const satisfies Record<
  string,
  AccountState
>;

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
  const parsed = parseProvisioningRequest(message.body);
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
      reason: 'invalid-request',
      message: text,
    };
  }

  const request = parsed.request;
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
      return create(request, account, deps, now);
    case 'update':
      return update(request, provisioned(account, request), deps, now);
    default:
      return lifecycle(request, request.action, provisioned(account, request), deps, now);
  }
}

function provisioned(
  account: AccountRecord | undefined,
  request: ProvisioningRequest,
): AccountRecord & { subAccountId: string } {
  if (account?.state === 'pending' && !account.subAccountId) {
    // Its create is still being retried (or waits in the DLQ for a redrive): wait behind it rather than
    // drop this request, so the tenant's requests still apply in the order they were sent.
    throw new ProvisioningError(
      `Cannot ${request.action} ${request.platform}/${request.tenantId} yet: its create (${account.pendingRequestId}) has not finished`,
      { reason: 'waiting-for-create', retryable: true },
    );
  }
  if (!account?.subAccountId) {
    throw new RequestNotApplicableError(
      `Cannot ${request.action} ${request.platform}/${request.tenantId}: no sub-account has been provisioned for it${
        account ? ` (the account is ${account.state})` : ''
      }`,
      'not-provisioned',
    );
  }
  return account as AccountRecord & { subAccountId: string };
}

type CreateRequest = Extract<ProvisioningRequest, { action: 'create' }>;

function naturalKeyOf(request: CreateRequest): string {
  return request.platform === 'cloopen' ? request.profile.friendlyName : request.profile.mobile;
}

/** The profile as stored in the ledger: everything but the password. */
function storedProfile(
  profile: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> | undefined {
  if (!profile) return undefined;
  const { password: _omitted, ...rest } = profile;
  return rest;
}

/**
 * Claims the natural key for the tenant before anything reaches the platform, so that a name or mobile
 * already provisioned for another tenant is refused instead of created twice or, worse, adopted: two
 * tenants must never share one sub-account.
 */
async function claim(
  request: ProvisioningRequest,
  naturalKey: string,
  deps: ProvisioningDependencies,
): Promise<void> {
  const owner = await deps.ledger.claimNaturalKey(request.platform, naturalKey, request.tenantId);
  if (owner !== request.tenantId) {
    throw new RequestNotApplicableError(
      `${request.platform} ${request.platform === 'cloopen' ? 'friendlyName' : 'mobile'} ${naturalKey} already belongs to tenant ${owner}`,
      'natural-key-taken',
    );
  }
}

function platformOf(
  request: ProvisioningRequest,
  deps: ProvisioningDependencies,
): Platform<unknown, unknown> {
  return deps.platforms[request.platform] as Platform<unknown, unknown>;
}

/** Stored times are UTC ISO strings, whatever offset the caller wrote, so they sort and compare as text. */
function normalise(instant: string | undefined): string | undefined {
  return instant === undefined ? undefined : new Date(instant).toISOString();
}

function baijiayunExpiry(request: CreateRequest, deps: ProvisioningDependencies, now: () => Date): Date {
  if (request.expiresAt) return new Date(request.expiresAt);
  return new Date(now().getTime() + deps.settings.defaultHorizonDays * 86_400_000);
}

async function create(
  request: CreateRequest,
  account: AccountRecord | undefined,
  deps: ProvisioningDependencies,
  now: () => Date,
): Promise<Applied> {
  if (account && (account.state === 'active' || account.state === 'suspended')) {
    // A second create for a provisioned tenant must not make a second sub-account.
    return {
      result: 'already-provisioned',
      detail: `sub-account ${account.subAccountId} is ${account.state}`,
    };
  }
  if (account?.state === 'closed') {
    throw new RequestNotApplicableError(
      `Cannot create ${request.platform}/${request.tenantId}: its sub-account ${account.subAccountId} was closed, and closing is final; use a new tenantId`,
      'account-closed',
    );
  }
  const at = now().toISOString();
  const naturalKey = naturalKeyOf(request);
  await claim(request, naturalKey, deps);
  if (account?.naturalKey && account.naturalKey !== naturalKey) {
    // An earlier create of this tenant that never got a sub-account named another key: free it.
    await deps.ledger.releaseNaturalKey(request.platform, account.naturalKey, request.tenantId);
  }
  const expiresAt =
    request.platform === 'baijiayun'
      ? baijiayunExpiry(request, deps, now).toISOString()
      : normalise(request.expiresAt);
  const intent: AccountRecord = {
    platform: request.platform,
    tenantId: request.tenantId,
    state: 'pending',
    version: (account?.version ?? 0) + 1,
    naturalKey,
    profile: storedProfile(request.profile),
    expiresAt,
    pendingRequestId: request.requestId,
    lastRequestId: account?.lastRequestId,
    createdAt: account?.createdAt ?? at,
    updatedAt: at,
  };
  if (account) await deps.ledger.saveAccount(intent);
  else await deps.ledger.createAccount(intent);

  const platform = platformOf(request, deps);
  const input = createInput(request, deps, now);
  // A pending account means an earlier attempt may have reached the platform: look before creating.
  let existing = account?.state === 'pending' ? await platform.findExisting(input) : undefined;
  let result = 'adopted';
  if (!existing) {
    const answer = await platform.create(input);
    if (answer.outcome === 'created') {
      result = 'created';
      existing = { ...answer.account, credentials: answer.credentials };
      if (answer.credentialsComplete === false) {
        // Without the rest of the keys the record would be useless to the tenant: read them now, and if
        // that fails too, the retry finds the pending account and adopts it with everything.
        const full = await platform.get(answer.account.id);
        if (!full) {
          throw new ProvisioningError(
            `${request.platform} sub-account ${answer.account.id} cannot be read yet`,
            {
              reason: 'credentials-pending',
              retryable: true,
            },
          );
        }
        existing = { ...full, credentials: { ...full.credentials, ...answer.credentials } };
      }
    } else {
      existing = await platform.findExisting(input);
      if (!existing) {
        throw new ProvisioningError(
          `${request.platform} says ${naturalKey} exists, but no sub-account with that key can be found yet`,
          { reason: 'adoption-pending', retryable: true },
        );
      }
    }
  }
  const { credentials, ...subAccount } = existing;
  const sealed = await deps.cipher.seal(credentials, {
    platform: request.platform,
    tenantId: request.tenantId,
  });
  await deps.ledger.saveAccount({
    ...intent,
    state: 'active',
    version: intent.version + 1,
    subAccountId: subAccount.id,
    credentials: sealed,
    pendingRequestId: undefined,
    lastRequestId: request.requestId,
    lastError: undefined,
    updatedAt: now().toISOString(),
  });
  return { result, detail: `sub-account ${subAccount.id} (${naturalKey})` };
}

function createInput(request: CreateRequest, deps: ProvisioningDependencies, now: () => Date): unknown {
  if (request.platform === 'cloopen')
    return { friendlyName: request.profile.friendlyName, appId: request.profile.appId };
  const p = request.profile;
  const input: BaijiayunCreateInput = {
    mobile: p.mobile,
    email: p.email,
    password: p.password ? new Secret(p.password) : (deps.generatePassword ?? generatePassword)(),
    effectTime: p.effectTime ? new Date(p.effectTime) : now(),
    expireTime: baijiayunExpiry(request, deps, now),
    company: p.company,
    contacts: p.contacts,
    products: p.products,
    creditMoney: p.creditMoney,
  };
  return input;
}

async function lifecycle(
  request: ProvisioningRequest,
  action: 'suspend' | 'resume' | 'close',
  account: AccountRecord & { subAccountId: string },
  deps: ProvisioningDependencies,
  now: () => Date,
): Promise<Applied> {
  const target = TARGET_STATE[action];
  if (account.state === target) return { result: 'no-change', detail: `already ${target}` };
  if (account.state === 'closed') {
    throw new RequestNotApplicableError(
      `Cannot ${action} ${request.platform}/${request.tenantId}: the sub-account is closed`,
      'account-closed',
    );
  }
  const platform = platformOf(request, deps);
  let answer: LifecycleResult;
  try {
    answer = await platform[action](account.subAccountId);
  } catch (error) {
    // A close retried after a lost answer finds the sub-account gone: the goal is reached.
    if (action !== 'close' || !isPlatformError(error) || error.category !== 'not-found') throw error;
    answer = { outcome: 'applied' };
  }
  if (answer.outcome === 'unsupported') throw new RequestNotApplicableError(answer.reason, 'unsupported');
  await deps.ledger.saveAccount({
    ...account,
    state: target,
    version: account.version + 1,
    lastRequestId: request.requestId,
    lastError: undefined,
    updatedAt: now().toISOString(),
  });
  return { result: target, detail: `sub-account ${account.subAccountId}` };
}

type UpdateRequest = Extract<ProvisioningRequest, { action: 'update' }>;

async function update(
  request: UpdateRequest,
  account: AccountRecord & { subAccountId: string },
  deps: ProvisioningDependencies,
  now: () => Date,
): Promise<Applied> {
  if (account.state === 'closed') {
    throw new RequestNotApplicableError(
      `Cannot update ${request.platform}/${request.tenantId}: the sub-account is closed`,
      'account-closed',
    );
  }
  let credentials = account.credentials;
  let naturalKey = account.naturalKey;
  const changed: string[] = [];
  if (request.platform === 'baijiayun') {
    const p = request.profile ?? {};
    const changes: BaijiayunUpdateInput = {
      mobile: p.mobile,
      email: p.email,
      password: p.password === undefined ? undefined : new Secret(p.password),
      company: p.company,
      contacts: p.contacts,
      effectTime: p.effectTime === undefined ? undefined : new Date(p.effectTime),
      expireTime: request.expiresAt === undefined ? undefined : new Date(request.expiresAt),
      products: p.products,
      creditMoney: p.creditMoney,
    };
    changed.push(...Object.entries(changes).flatMap(([k, v]) => (v === undefined ? [] : [k])));
    const newMobile = p.mobile && p.mobile !== account.naturalKey ? p.mobile : undefined;
    if (newMobile) await claim(request, newMobile, deps);
    if (changed.length > 0) {
      try {
        const answer = await deps.platforms.baijiayun.update(account.subAccountId, changes);
        if (answer.outcome === 'unsupported')
          throw new RequestNotApplicableError(answer.reason, 'unsupported');
      } catch (error) {
        // The platform refused for good: the new mobile is not this tenant's after all.
        if (newMobile && classifyFailure(error) === 'permanent') {
          await deps.ledger.releaseNaturalKey(request.platform, newMobile, request.tenantId);
        }
        throw error;
      }
    }
    if (newMobile && account.naturalKey) {
      // Released before the record names the new mobile: a crash in between re-runs this update, whose
      // platform call is idempotent and whose release finds nothing left to do.
      await deps.ledger.releaseNaturalKey(request.platform, account.naturalKey, request.tenantId);
    }
    if (p.mobile) naturalKey = p.mobile;
    if (p.password !== undefined && account.credentials) {
      const context = { platform: request.platform, tenantId: request.tenantId };
      const current = await deps.cipher.open(account.credentials, context);
      credentials = await deps.cipher.seal({ ...current, password: new Secret(p.password) }, context);
    }
  } else if (request.expiresAt !== undefined) {
    changed.push('expiresAt');
  }
  const profile = { ...(account.profile ?? {}), ...(storedProfile(request.profile) ?? {}) };
  await deps.ledger.saveAccount({
    ...account,
    naturalKey,
    profile,
    credentials,
    expiresAt: normalise(request.expiresAt) ?? account.expiresAt,
    version: account.version + 1,
    lastRequestId: request.requestId,
    lastError: undefined,
    updatedAt: now().toISOString(),
  });
  return {
    result: changed.length > 0 ? 'updated' : 'no-change',
    detail: changed.length > 0 ? `changed ${changed.join(', ')}` : 'nothing to change',
  };
}
