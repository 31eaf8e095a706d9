import type { AccountRecord, NaturalKeyClaim } from '../ports/ledger.ts';
import type { SubAccountWithCredentials } from '../ports/platform.ts';
import type { CreatePlan } from '../ports/platform-module.ts';
import { type Applied, normalise, type ProvisioningDependencies, platformOf } from './dependencies.ts';
import { ProvisioningError, RequestNotApplicableError } from './errors.ts';
import { storedProfile } from './fingerprint.ts';
import { generatePassword } from './password.ts';
import type { CreateRequest } from './request.ts';

/** The expiry a create records: the request's, else the default horizon where the platform needs one. */
function expiryOf(
  request: CreateRequest,
  required: boolean,
  deps: ProvisioningDependencies,
  now: () => Date,
): Date | undefined {
  if (request.expiresAt) return new Date(request.expiresAt);
  if (!required) return undefined;
  return new Date(now().getTime() + deps.settings.defaultHorizonDays * 86_400_000);
}

/** What a create prepares before it reads the ledger: its plan, and its claim on the natural key. */
export interface CreateStart {
  readonly plan: CreatePlan;
  readonly expiry: Date | undefined;
  readonly claim: NaturalKeyClaim;
}

/**
 * Plans the create and claims its natural key, marking the create in flight. It runs beside the request's
 * ledger read (one round trip for both), so the claim is made before the create knows what the ledger
 * holds; {@link createAccount} gives back a claim it turns out not to need.
 */
export async function startCreate(
  request: CreateRequest,
  deps: ProvisioningDependencies,
  now: () => Date,
): Promise<CreateStart> {
  const platform = platformOf(request, deps);
  const expiry = expiryOf(request, platform.expiryRequired, deps, now);
  const plan = platform.planCreate(request.profile, {
    now: now(),
    expiresAt: expiry,
    generatePassword: deps.generatePassword ?? generatePassword,
  });
  const claim = await deps.ledger.claimNaturalKey(
    request.platform,
    plan.naturalKey,
    request.tenantId,
    request.requestId,
  );
  return { plan, expiry, claim };
}

/**
 * Gives back a claim this create made but will not use (the tenant is provisioned under another key, or
 * the request turned out to be a duplicate), so the key stays free for whoever needs it.
 */
export async function releaseUnusedClaim(
  request: CreateRequest,
  start: CreateStart | undefined,
  account: AccountRecord | undefined,
  deps: ProvisioningDependencies,
): Promise<void> {
  if (!start || start.claim.heldBefore || start.claim.holder !== request.tenantId) return;
  if (account?.naturalKey === start.plan.naturalKey) return;
  await deps.ledger.releaseNaturalKey(request.platform, start.plan.naturalKey, request.tenantId);
}

/**
 * Creates the tenant's sub-account, or adopts the one an earlier attempt made.
 *
 * The natural-key claim marks the create in flight before the platform is called ({@link startCreate}):
 * a retry whose claim was already held, or that finds a `pending` account, looks the sub-account up by its
 * natural key before creating, so a create whose answer was lost is adopted, never made twice. The active
 * account it returns, saved with `lastRequestId`, is the commit point.
 */
export async function createAccount(
  request: CreateRequest,
  account: AccountRecord | undefined,
  start: CreateStart,
  deps: ProvisioningDependencies,
  now: () => Date,
): Promise<Applied> {
  if (account && (account.state === 'active' || account.state === 'suspended')) {
    // A second create for a provisioned tenant must not make a second sub-account.
    await releaseUnusedClaim(request, start, account, deps);
    return {
      result: 'already-provisioned',
      detail: `sub-account ${account.subAccountId} is ${account.state}`,
    };
  }
  if (account?.state === 'closed') {
    await releaseUnusedClaim(request, start, account, deps);
    throw new RequestNotApplicableError(
      `Cannot create ${request.platform}/${request.tenantId}: its sub-account ${account.subAccountId} was closed, and closing is final; use a new tenantId`,
      'account-closed',
    );
  }
  const platform = platformOf(request, deps);
  const { plan, expiry, claim } = start;
  const naturalKey = plan.naturalKey;
  if (claim.holder !== request.tenantId) {
    throw new RequestNotApplicableError(
      `${request.platform} ${platform.naturalKey} ${naturalKey} already belongs to tenant ${claim.holder}`,
      'natural-key-taken',
    );
  }
  if (account?.naturalKey && account.naturalKey !== naturalKey) {
    // An earlier create of this tenant that never got a sub-account named another key: free it.
    await deps.ledger.releaseNaturalKey(request.platform, account.naturalKey, request.tenantId);
  }

  // A claim held before, or a pending account, means an earlier attempt may have reached the platform.
  let existing: SubAccountWithCredentials | undefined =
    claim.heldBefore || account?.state === 'pending' ? await plan.findExisting() : undefined;
  let result = 'adopted';
  if (!existing) {
    const answer = await plan.create();
    if (answer.outcome === 'created') {
      result = 'created';
      existing = { ...answer.account, credentials: answer.credentials };
      if (answer.credentialsComplete === false) {
        // Without the rest of the keys the record would be useless to the tenant: read them now, and if
        // that fails too, the retry finds the claim held and adopts the sub-account with everything.
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
      existing = await plan.findExisting();
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
  const at = now().toISOString();
  return {
    result,
    detail: `sub-account ${subAccount.id} (${naturalKey})`,
    account: {
      platform: request.platform,
      tenantId: request.tenantId,
      state: 'active',
      version: (account?.version ?? 0) + 1,
      naturalKey,
      profile: storedProfile(request.profile),
      expiresAt: createdExpiry(request, expiry),
      subAccountId: subAccount.id,
      credentials: sealed,
      lastRequestId: request.requestId,
      createdAt: account?.createdAt ?? at,
      updatedAt: at,
    },
  };
}

/** The expiry a create records: the one it planned with, else the request's (normalised). */
export function createdExpiry(request: CreateRequest, expiry: Date | undefined): string | undefined {
  return expiry === undefined ? normalise(request.expiresAt) : expiry.toISOString();
}
