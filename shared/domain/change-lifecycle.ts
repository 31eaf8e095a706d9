import { isPlatformError } from '../ports/errors.ts';
import type { AccountRecord, AccountState } from '../ports/ledger.ts';
import type { LifecycleResult } from '../ports/platform.ts';
import { type Applied, type ProvisioningDependencies, platformOf } from './dependencies.ts';
import { RequestNotApplicableError } from './errors.ts';
import type { LifecycleRequest } from './request.ts';

const TARGET_STATE = { suspend: 'suspended', resume: 'active', close: 'closed' } as const satisfies Record<
  LifecycleRequest['action'],
  AccountState
>;

/**
 * Suspends, resumes or closes the tenant's sub-account. Reaching the state it is already in changes
 * nothing; a closed account stays closed; a platform without the operation refuses it for good.
 */
export async function changeLifecycle(
  request: LifecycleRequest,
  account: AccountRecord & { subAccountId: string },
  deps: ProvisioningDependencies,
  now: () => Date,
): Promise<Applied> {
  const action = request.action;
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
