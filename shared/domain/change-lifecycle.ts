import { isPlatformError, type PlatformErrorCategory } from '../ports/errors.ts';
import type { AccountRecord, AccountState } from '../ports/ledger.ts';
import type { LifecycleResult } from '../ports/platform.ts';
import { type Applied, type ProvisioningDependencies, platformOf } from './dependencies.ts';
import { RequestNotApplicableError } from './errors.ts';
import type { LifecycleRequest } from './request.ts';

const TARGET_STATE = { suspend: 'suspended', resume: 'active', close: 'closed' } as const satisfies Record<
  LifecycleRequest['action'],
  AccountState
>;

/** What a platform may answer a close with when the sub-account is already where the close takes it. */
const CLOSE_REACHED: ReadonlySet<PlatformErrorCategory> = new Set(['not-found', 'closed']);

/**
 * Whether a suspended account has expired since it was suspended: the sweep's suspend then changes
 * nothing on the platform but stamps the suspension anew, which files the account among the expired ones
 * that the sweep closes when their grace ends.
 */
function expiredSinceSuspended(account: AccountRecord, at: Date): boolean {
  if (account.state !== 'suspended' || account.expiresAt === undefined) return false;
  const expiry = Date.parse(account.expiresAt);
  const suspended =
    account.suspendedAt === undefined ? Number.NEGATIVE_INFINITY : Date.parse(account.suspendedAt);
  return expiry <= at.getTime() && suspended < expiry;
}

/**
 * Suspends, resumes or closes the tenant's sub-account. Reaching the state it is already in changes
 * nothing; a closed account stays closed; a platform without the operation refuses it for good. Returns
 * the account to save; the caller saves it with the request's conclusion.
 */
export async function changeLifecycle(
  request: LifecycleRequest,
  account: AccountRecord & { subAccountId: string },
  deps: ProvisioningDependencies,
  now: () => Date,
): Promise<Applied> {
  const action = request.action;
  const target = TARGET_STATE[action];
  if (account.state === target) {
    const at = now();
    if (action !== 'suspend' || !expiredSinceSuspended(account, at)) {
      return { result: 'no-change', detail: `already ${target}` };
    }
    return {
      result: 'no-change',
      detail: `already suspended; expired ${account.expiresAt}, so it is closed when its grace ends`,
      account: next(account, request, at, { suspendedAt: at.toISOString() }),
    };
  }
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
    // A close retried after a lost answer finds the sub-account gone, or already closed: either way the
    // goal is reached.
    if (action !== 'close' || !isPlatformError(error) || !CLOSE_REACHED.has(error.category)) throw error;
    answer = { outcome: 'applied' };
  }
  if (answer.outcome === 'unsupported') throw new RequestNotApplicableError(answer.reason, 'unsupported');
  const at = now();
  return {
    result: target,
    detail: `sub-account ${account.subAccountId}`,
    account: next(account, request, at, {
      state: target,
      suspendedAt: target === 'suspended' ? at.toISOString() : undefined,
    }),
  };
}

/** The account after `request`, with `changes`: the next version, the request's id, no error. */
function next(
  account: AccountRecord,
  request: LifecycleRequest,
  at: Date,
  changes: Partial<AccountRecord>,
): AccountRecord {
  return {
    ...account,
    ...changes,
    version: account.version + 1,
    lastRequestId: request.requestId,
    lastError: undefined,
    updatedAt: at.toISOString(),
  };
}
