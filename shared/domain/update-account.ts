import type { AccountRecord } from '../ports/ledger.ts';
import {
  type Applied,
  claimNaturalKey,
  normalise,
  type ProvisioningDependencies,
  platformOf,
} from './dependencies.ts';
import { classifyFailure, RequestNotApplicableError } from './errors.ts';
import { storedProfile } from './fingerprint.ts';
import type { UpdateRequest } from './request.ts';

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The stored profile after an update: nested groups merge field by field, as the platform applies them
 * (an update of one product line leaves the others as they were), and every other value is replaced.
 */
export function mergeProfile(
  current: Readonly<Record<string, unknown>>,
  changes: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [name, value] of Object.entries(changes)) {
    const before = merged[name];
    merged[name] = isRecord(before) && isRecord(value) ? mergeProfile(before, value) : value;
  }
  return merged;
}

/**
 * Changes what the request names on the platform and returns the account to save with the conclusion. A
 * new natural key is claimed before the platform call and the old one released after it, so no other
 * tenant can take either in between.
 */
export async function updateAccount(
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
  const platform = platformOf(request, deps);
  const plan = platform.planUpdate(request.profile, {
    expiresAt: request.expiresAt === undefined ? undefined : new Date(request.expiresAt),
  });
  const newKey = plan.naturalKey && plan.naturalKey !== account.naturalKey ? plan.naturalKey : undefined;
  if (newKey) await claimNaturalKey(request, platform, newKey, deps);
  if (plan.apply) {
    try {
      const answer = await plan.apply(account.subAccountId);
      if (answer.outcome === 'unsupported') throw new RequestNotApplicableError(answer.reason, 'unsupported');
    } catch (error) {
      // The platform refused for good: the new key is not this tenant's after all.
      if (newKey && classifyFailure(error) === 'permanent') {
        await deps.ledger.releaseNaturalKey(request.platform, newKey, request.tenantId);
      }
      throw error;
    }
  }
  if (newKey && account.naturalKey) {
    // Released before the record names the new key: a crash in between re-runs this update, whose
    // platform call is idempotent and whose release finds nothing left to do.
    await deps.ledger.releaseNaturalKey(request.platform, account.naturalKey, request.tenantId);
  }
  let credentials = account.credentials;
  if (plan.credentials && account.credentials) {
    const context = { platform: request.platform, tenantId: request.tenantId };
    const current = await deps.cipher.open(account.credentials, context);
    credentials = await deps.cipher.seal({ ...current, ...plan.credentials }, context);
  }
  const profile = mergeProfile(account.profile ?? {}, storedProfile(request.profile) ?? {});
  return {
    result: plan.changed.length > 0 ? 'updated' : 'no-change',
    detail: plan.changed.length > 0 ? `changed ${plan.changed.join(', ')}` : 'nothing to change',
    account: {
      ...account,
      naturalKey: plan.naturalKey ?? account.naturalKey,
      profile,
      credentials,
      expiresAt: normalise(request.expiresAt) ?? account.expiresAt,
      version: account.version + 1,
      lastRequestId: request.requestId,
      lastError: undefined,
      updatedAt: now().toISOString(),
    },
  };
}
