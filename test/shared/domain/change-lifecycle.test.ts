import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeLifecycle } from '../../../shared/domain/change-lifecycle.ts';
import { createAccount, startCreate } from '../../../shared/domain/create-account.ts';
import { classifyFailure, RequestNotApplicableError } from '../../../shared/domain/errors.ts';
import type { LifecycleRequest } from '../../../shared/domain/request.ts';
import { parseChinaDateTime } from '../../../shared/platforms/china-time.ts';
import { PlatformError } from '../../../shared/ports/errors.ts';
import type { AccountKey } from '../../../shared/ports/ledger.ts';
import {
  baijiayunCreateInput,
  clockOf,
  cloopenCreateInput,
  lifecycleInput,
  NOW,
  rejection,
  runCreate,
  saved,
  startUseCaseHarness,
  type UseCaseHarness,
  validRequest,
} from '../../support/use-cases.ts';

let h: UseCaseHarness;

beforeAll(async () => {
  h = await startUseCaseHarness();
});

afterAll(async () => {
  await h?.stop();
});

const LATER = new Date(NOW.getTime() + 60_000);
/** Far enough ahead that a close, which expires the account now, always moves it earlier. */
const FAR_EXPIRY = '2099-12-31T00:00:00Z';

/** A provisioned Baijiayun tenant. */
async function baijiayunTenant(prefix: string): Promise<AccountKey> {
  const ids = h.ids(prefix);
  const request = validRequest(baijiayunCreateInput(ids, h.mobile(), { expiresAt: FAR_EXPIRY }));
  await runCreate(request, undefined, h.deps, clockOf(h.deps));
  return { platform: 'baijiayun', tenantId: ids.tenantId };
}

/** A provisioned Cloopen tenant. */
async function cloopenTenant(prefix: string): Promise<AccountKey> {
  const ids = h.ids(prefix);
  await runCreate(validRequest(cloopenCreateInput(ids)), undefined, h.deps, clockOf(h.deps));
  return { platform: 'cloopen', tenantId: ids.tenantId };
}

/** A Baijiayun create expiring at `expiresAt`, as the use case returns it (not yet saved). */
async function createAccountFor(ids: { tenantId: string; requestId: string }, expiresAt: string) {
  const request = validRequest(baijiayunCreateInput(ids, h.mobile(), { expiresAt }));
  return createAccount(
    request,
    undefined,
    await startCreate(request, h.deps, clockOf(h.deps)),
    h.deps,
    clockOf(h.deps),
  );
}

let requests = 0;

/** Runs the lifecycle use case on the account as the ledger holds it, one new request id each time. */
async function change(key: AccountKey, action: LifecycleRequest['action'], deps = h.at(LATER)) {
  requests += 1;
  const request = validRequest(lifecycleInput(key, `${key.tenantId}-${action}-${requests}`, action));
  const applied = await saved(deps, changeLifecycle(request, await h.account(key), deps, clockOf(deps)));
  return { applied, requestId: request.requestId };
}

const onBaijiayun = (id: string) => h.simulators.baijiayun.state.byId(id);
const onCloopen = (id: string) => h.simulators.cloopen.state.accounts.find((a) => a.subAccountSid === id);

describe('changeLifecycle on Baijiayun', () => {
  it('suspends the sub-account on the simulator and records the account suspended', async () => {
    // Prepare
    const key = await baijiayunTenant('suspend');
    const before = await h.account(key);

    // Act
    const { applied, requestId } = await change(key, 'suspend');

    // Assess
    expect(applied).toEqual({ result: 'suspended', detail: `sub-account ${before.subAccountId}` });
    expect(onBaijiayun(before.subAccountId)?.enabled).toBe(false);
    expect(await h.account(key)).toEqual({
      ...before,
      state: 'suspended',
      version: before.version + 1,
      suspendedAt: LATER.toISOString(),
      lastRequestId: requestId,
      updatedAt: LATER.toISOString(),
    });
  });

  it('resumes a suspended sub-account on the simulator and records the account active', async () => {
    // Prepare
    const key = await baijiayunTenant('resume');
    await change(key, 'suspend');
    const suspended = await h.account(key);

    // Act
    const { applied, requestId } = await change(key, 'resume');

    // Assess
    expect(applied.result).toBe('active');
    expect(onBaijiayun(suspended.subAccountId)?.enabled).toBe(true);
    expect(await h.account(key)).toMatchObject({
      state: 'active',
      version: suspended.version + 1,
      lastRequestId: requestId,
    });
  });

  it('closes the sub-account: disabled and expired early on the simulator, closed in the ledger', async () => {
    // Prepare
    const key = await baijiayunTenant('close');
    const before = await h.account(key);
    const expiry = parseChinaDateTime(onBaijiayun(before.subAccountId)?.expire_time ?? '');

    // Act
    const { applied } = await change(key, 'close');

    // Assess
    expect(applied.result).toBe('closed');
    const after = onBaijiayun(before.subAccountId);
    expect(after?.enabled).toBe(false);
    expect(expiry?.toISOString()).toBe(new Date(FAR_EXPIRY).toISOString());
    expect(parseChinaDateTime(after?.expire_time ?? '')?.getTime()).toBeLessThan(expiry?.getTime() ?? 0);
    expect(await h.account(key)).toMatchObject({ state: 'closed', subAccountId: before.subAccountId });
  });

  it('ends closed when a close finds the sub-account already gone from the platform', async () => {
    // Prepare
    const key = await baijiayunTenant('gone');
    const before = await h.account(key);
    h.simulators.baijiayun.state.accounts.delete(Number(before.subAccountId));

    // Act
    const { applied } = await change(key, 'close');

    // Assess
    expect(applied.result).toBe('closed');
    expect(await h.account(key)).toMatchObject({ state: 'closed', version: before.version + 1 });
  });

  it('does not take a missing sub-account as success for a suspend', async () => {
    // Prepare
    const key = await baijiayunTenant('missing');
    const before = await h.account(key);
    h.simulators.baijiayun.inject({
      fault: { kind: 'vendor-error', code: '2001' },
      operation: 'setAccountStatus',
    });

    // Act
    const error = await rejection(change(key, 'suspend'));

    // Assess
    expect(error).toBeInstanceOf(PlatformError);
    expect(error).toMatchObject({ category: 'not-found' });
    expect(await h.account(key)).toEqual(before);
  });

  it('changes nothing, on the platform or in the ledger, when the account is already in the target state', async () => {
    // Prepare
    const key = await baijiayunTenant('same');
    await change(key, 'suspend');
    const suspended = await h.account(key);
    const calls = h.simulators.baijiayun.calls.length;

    // Act
    const { applied } = await change(key, 'suspend');

    // Assess
    expect(applied).toEqual({ result: 'no-change', detail: 'already suspended' });
    expect(h.simulators.baijiayun.calls.length).toBe(calls);
    expect(await h.account(key)).toEqual(suspended);
  });

  it('stamps, without calling the platform, the suspension of an account that expired since an operator suspended it', async () => {
    // Prepare: suspended before its expiry, which has passed by the sweep's suspend.
    const ids = h.ids('expiring');
    const expiresAt = new Date(LATER.getTime() + 60_000).toISOString();
    await saved(h.deps, createAccountFor(ids, expiresAt));
    const key: AccountKey = { platform: 'baijiayun', tenantId: ids.tenantId };
    await change(key, 'suspend');
    const suspended = await h.account(key);
    const calls = h.simulators.baijiayun.calls.length;
    const afterExpiry = h.at(new Date(LATER.getTime() + 120_000));

    // Act
    const { applied, requestId } = await change(key, 'suspend', afterExpiry);

    // Assess
    expect(applied.result).toBe('no-change');
    expect(h.simulators.baijiayun.calls.length).toBe(calls);
    expect(await h.account(key)).toEqual({
      ...suspended,
      version: suspended.version + 1,
      suspendedAt: new Date(LATER.getTime() + 120_000).toISOString(),
      lastRequestId: requestId,
      updatedAt: new Date(LATER.getTime() + 120_000).toISOString(),
    });
  });

  it('refuses to resume a closed account, for good and without calling the platform', async () => {
    // Prepare
    const key = await baijiayunTenant('reopen');
    await change(key, 'close');
    const closed = await h.account(key);
    const calls = h.simulators.baijiayun.calls.length;

    // Act
    const error = await rejection(change(key, 'resume'));

    // Assess
    expect(error).toBeInstanceOf(RequestNotApplicableError);
    expect(error).toMatchObject({ reason: 'account-closed', retryable: false });
    expect(h.simulators.baijiayun.calls.length).toBe(calls);
    expect(await h.account(key)).toEqual(closed);
  });
});

describe('changeLifecycle on Cloopen', () => {
  it('refuses suspend as unsupported, a permanent refusal, leaving the account and sub-account active', async () => {
    // Prepare
    const key = await cloopenTenant('clsuspend');
    const before = await h.account(key);
    const requestsBefore = h.simulators.cloopen.state.requests.length;

    // Act
    const error = await rejection(change(key, 'suspend'));

    // Assess
    expect(error).toBeInstanceOf(RequestNotApplicableError);
    expect(error).toMatchObject({ reason: 'unsupported', retryable: false });
    expect(classifyFailure(error)).toBe('permanent');
    expect((error as Error).message).toMatch(/cloopen does not support suspend/);
    expect(await h.account(key)).toEqual(before);
    expect(h.simulators.cloopen.state.requests.length).toBe(requestsBefore);
    expect(onCloopen(before.subAccountId)?.status).toBe('active');
  });

  it('closes the sub-account on the simulator and records the account closed', async () => {
    // Prepare
    const key = await cloopenTenant('clclose');
    const before = await h.account(key);

    // Act
    const { applied } = await change(key, 'close');

    // Assess
    expect(applied.result).toBe('closed');
    expect(onCloopen(before.subAccountId)?.status).toBe('closed');
    expect(await h.account(key)).toMatchObject({ state: 'closed', version: before.version + 1 });
  });

  it('ends closed when the retry of a close whose answer was lost finds the sub-account already closed', async () => {
    // Prepare
    const key = await cloopenTenant('cllost');
    const before = await h.account(key);
    h.simulators.cloopen.inject({ fault: { kind: 'drop-after-commit' }, operation: 'CloseSubAccount' });
    const lost = await rejection(change(key, 'close'));
    const afterLoss = await h.account(key);

    // Act
    const { applied } = await change(key, 'close');

    // Assess
    expect(lost).toMatchObject({ outcomeUnknown: true });
    expect(classifyFailure(lost)).toBe('retryable');
    expect(afterLoss).toEqual(before);
    expect(onCloopen(before.subAccountId)?.status).toBe('closed');
    expect(applied.result).toBe('closed');
    expect(await h.account(key)).toMatchObject({ state: 'closed', version: before.version + 1 });
  });

  it('ends closed when a close meets a platform error of category closed', async () => {
    // Prepare
    const key = await cloopenTenant('clmet');
    const before = await h.account(key);
    h.simulators.cloopen.inject({
      fault: { kind: 'vendor-error', code: '111156', message: '【账号】子账户已关闭' },
      operation: 'CloseSubAccount',
    });

    // Act
    const { applied } = await change(key, 'close');

    // Assess
    expect(applied.result).toBe('closed');
    expect(await h.account(key)).toMatchObject({ state: 'closed', version: before.version + 1 });
  });

  it('answers no-change to a close of a closed account without calling the platform', async () => {
    // Prepare
    const key = await cloopenTenant('clagain');
    await change(key, 'close');
    const closed = await h.account(key);
    const requestsBefore = h.simulators.cloopen.state.requests.length;

    // Act
    const { applied } = await change(key, 'close');

    // Assess
    expect(applied).toEqual({ result: 'no-change', detail: 'already closed' });
    expect(h.simulators.cloopen.state.requests.length).toBe(requestsBefore);
    expect(await h.account(key)).toEqual(closed);
  });
});
