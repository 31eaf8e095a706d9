import type { AccountRecord } from '../ports/ledger.ts';
import type { SubAccountWithCredentials } from '../ports/platform.ts';
import {
  type Applied,
  claimNaturalKey,
  normalise,
  type ProvisioningDependencies,
  platformOf,
} from './dependencies.ts';
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

/**
 * Creates the tenant's sub-account, or adopts the one an earlier attempt made.
 *
 * The account is first marked `pending` with this request's id, *then* the platform is called: a retry
 * that finds a pending account looks the sub-account up by its natural key before creating, so a create
 * whose answer was lost is adopted, never made twice. Saving the account `active` with `lastRequestId`
 * is the commit point.
 */
export async function createAccount(
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
  const platform = platformOf(request, deps);
  const expiry = expiryOf(request, platform.expiryRequired, deps, now);
  const plan = platform.planCreate(request.profile, {
    now: now(),
    expiresAt: expiry,
    generatePassword: deps.generatePassword ?? generatePassword,
  });
  const naturalKey = plan.naturalKey;
  await claimNaturalKey(request, platform, naturalKey, deps);
  if (account?.naturalKey && account.naturalKey !== naturalKey) {
    // An earlier create of this tenant that never got a sub-account named another key: free it.
    await deps.ledger.releaseNaturalKey(request.platform, account.naturalKey, request.tenantId);
  }
  const intent: AccountRecord = {
    platform: request.platform,
    tenantId: request.tenantId,
    state: 'pending',
    version: (account?.version ?? 0) + 1,
    naturalKey,
    profile: storedProfile(request.profile),
    expiresAt: expiry === undefined ? normalise(request.expiresAt) : expiry.toISOString(),
    pendingRequestId: request.requestId,
    lastRequestId: account?.lastRequestId,
    createdAt: account?.createdAt ?? at,
    updatedAt: at,
  };
  if (account) await deps.ledger.saveAccount(intent);
  else await deps.ledger.createAccount(intent);

  // A pending account means an earlier attempt may have reached the platform: look before creating.
  let existing: SubAccountWithCredentials | undefined =
    account?.state === 'pending' ? await plan.findExisting() : undefined;
  let result = 'adopted';
  if (!existing) {
    const answer = await plan.create();
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
