import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeLifecycle } from '../../../shared/domain/change-lifecycle.ts';
import { classifyFailure, RequestNotApplicableError } from '../../../shared/domain/errors.ts';
import { updateAccount } from '../../../shared/domain/update-account.ts';
import { chinaDateTime } from '../../../shared/platforms/china-time.ts';
import type { AccountKey } from '../../../shared/ports/ledger.ts';
import {
  baijiayunCreateInput,
  clockOf,
  cloopenCreateInput,
  GENERATED_PASSWORD,
  lifecycleInput,
  NOW,
  rejection,
  runCreate,
  saved,
  startUseCaseHarness,
  type UseCaseHarness,
  updateInput,
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

/** A provisioned Baijiayun tenant and its mobile. */
async function baijiayunTenant(prefix: string): Promise<{ key: AccountKey; mobile: string }> {
  const ids = h.ids(prefix);
  const mobile = h.mobile();
  await runCreate(validRequest(baijiayunCreateInput(ids, mobile)), undefined, h.deps, clockOf(h.deps));
  return { key: { platform: 'baijiayun', tenantId: ids.tenantId }, mobile };
}

/** A provisioned Cloopen tenant. */
async function cloopenTenant(prefix: string): Promise<AccountKey> {
  const ids = h.ids(prefix);
  await runCreate(validRequest(cloopenCreateInput(ids)), undefined, h.deps, clockOf(h.deps));
  return { platform: 'cloopen', tenantId: ids.tenantId };
}

let requests = 0;

/** Runs the update use case on the account as the ledger holds it, with a new request id. */
async function update(
  key: AccountKey,
  change: { readonly expiresAt?: string; readonly profile?: Readonly<Record<string, unknown>> },
) {
  requests += 1;
  const deps = h.at(LATER);
  const request = validRequest(updateInput(key, `${key.tenantId}-update-${requests}`, change));
  const applied = await saved(deps, updateAccount(request, await h.account(key), deps, clockOf(deps)));
  return { applied, requestId: request.requestId };
}

const onBaijiayun = (id: string) => h.simulators.baijiayun.state.byId(id);

describe('updateAccount on Baijiayun', () => {
  it('moves the sub-account to a new mobile, claiming the new key and releasing the old one', async () => {
    // Prepare
    const { key, mobile } = await baijiayunTenant('mobile');
    const next = h.mobile();
    const before = await h.account(key);

    // Act
    const { applied, requestId } = await update(key, { profile: { mobile: next } });

    // Assess
    expect(applied).toEqual({ result: 'updated', detail: 'changed mobile' });
    expect(onBaijiayun(before.subAccountId)?.mobile).toBe(next);
    expect(await h.account(key)).toMatchObject({
      naturalKey: next,
      profile: { mobile: next },
      version: before.version + 1,
      lastRequestId: requestId,
      updatedAt: LATER.toISOString(),
    });
    expect((await h.ledger.claimNaturalKey('baijiayun', next, 'someone_else')).holder).toBe(key.tenantId);
    expect((await h.ledger.claimNaturalKey('baijiayun', mobile, 'someone_else')).holder).toBe('someone_else');
  });

  it('refuses a new mobile another tenant holds, without calling the platform', async () => {
    // Prepare
    const owner = await baijiayunTenant('holder');
    const { key, mobile } = await baijiayunTenant('taker');
    const before = await h.account(key);
    const calls = h.simulators.baijiayun.calls.length;

    // Act
    const error = await rejection(update(key, { profile: { mobile: owner.mobile } }));

    // Assess
    expect(error).toBeInstanceOf(RequestNotApplicableError);
    expect(error).toMatchObject({ reason: 'natural-key-taken', retryable: false });
    expect(h.simulators.baijiayun.calls.length).toBe(calls);
    expect(await h.account(key)).toEqual(before);
    expect(onBaijiayun(before.subAccountId)?.mobile).toBe(mobile);
    expect((await h.ledger.claimNaturalKey('baijiayun', owner.mobile, key.tenantId)).holder).toBe(
      owner.key.tenantId,
    );
  });

  it('gives the new mobile up again when the platform refuses the change for good', async () => {
    // Prepare: a sub-account the ledger does not know already has the mobile on the platform.
    const { key, mobile } = await baijiayunTenant('refused');
    const taken = h.mobile();
    h.simulators.baijiayun.state.add({
      mobile: taken,
      email: 'outsider@example.com',
      password: 'Outsider-1',
      effect_time: '2026-01-01 00:00:00',
      expire_time: '2027-01-01 00:00:00',
    });
    const before = await h.account(key);

    // Act
    const error = await rejection(update(key, { profile: { mobile: taken } }));

    // Assess
    expect(classifyFailure(error)).toBe('permanent');
    expect((await h.ledger.claimNaturalKey('baijiayun', taken, 'someone_else')).holder).toBe('someone_else');
    expect((await h.ledger.claimNaturalKey('baijiayun', mobile, 'someone_else')).holder).toBe(key.tenantId);
    expect(await h.account(key)).toEqual(before);
    expect(onBaijiayun(before.subAccountId)?.mobile).toBe(mobile);
  });

  it('reseals the credentials with a changed password and keeps the other keys', async () => {
    // Prepare
    const { key } = await baijiayunTenant('password');
    const before = await h.account(key);
    const previous = await h.credentials(before);

    // Act
    const { applied } = await update(key, { profile: { password: 'Changed-Pass-42' } });

    // Assess
    expect(applied).toEqual({ result: 'updated', detail: 'changed password' });
    expect(onBaijiayun(before.subAccountId)?.password).toBe('Changed-Pass-42');
    const after = await h.account(key);
    expect(after.credentials?.ciphertext).not.toBe(before.credentials?.ciphertext);
    const credentials = await h.credentials(after);
    expect(previous.password?.reveal()).toBe(GENERATED_PASSWORD);
    expect(credentials.password?.reveal()).toBe('Changed-Pass-42');
    expect(credentials.partnerKey?.reveal()).toBe(previous.partnerKey?.reveal());
    expect(credentials.secretKey?.reveal()).toBe(previous.secretKey?.reveal());
    expect(after.profile).toEqual(before.profile);
    expect(JSON.stringify(after)).not.toContain('Changed-Pass-42');
  });

  it('moves the expiry on the platform and in the ledger, in UTC', async () => {
    // Prepare
    const { key } = await baijiayunTenant('expiry');
    const before = await h.account(key);

    // Act
    const { applied } = await update(key, { expiresAt: '2028-06-30T08:00:00+08:00' });

    // Assess
    expect(applied.result).toBe('updated');
    expect(onBaijiayun(before.subAccountId)?.expire_time).toBe(
      chinaDateTime(new Date('2028-06-30T00:00:00Z')),
    );
    expect((await h.account(key)).expiresAt).toBe('2028-06-30T00:00:00.000Z');
  });

  it('keeps the product lines an update does not name in the stored profile, as the platform does', async () => {
    // Prepare
    const ids = h.ids('products');
    const key = { platform: 'baijiayun', tenantId: ids.tenantId };
    const largeClass = { enabled: true, userLimit: 50 };
    await runCreate(
      validRequest(baijiayunCreateInput(ids, h.mobile(), { profile: { products: { largeClass } } })),
      undefined,
      h.deps,
      clockOf(h.deps),
    );

    // Act
    await update(key, { profile: { products: { video: { enabled: true } } } });

    // Assess
    expect((await h.account(key)).profile?.products).toEqual({ largeClass, video: { enabled: true } });
  });

  it('refuses to update a closed account, for good and without calling the platform', async () => {
    // Prepare
    const { key } = await baijiayunTenant('closed');
    const close = validRequest(lifecycleInput(key, `${key.tenantId}-close`, 'close'));
    await saved(h.deps, changeLifecycle(close, await h.account(key), h.deps, clockOf(h.deps)));
    const closed = await h.account(key);
    const calls = h.simulators.baijiayun.calls.length;

    // Act
    const error = await rejection(update(key, { profile: { contacts: '韩梅梅' } }));

    // Assess
    expect(error).toBeInstanceOf(RequestNotApplicableError);
    expect(error).toMatchObject({ reason: 'account-closed', retryable: false });
    expect(h.simulators.baijiayun.calls.length).toBe(calls);
    expect(await h.account(key)).toEqual(closed);
  });
});

describe('updateAccount on Cloopen', () => {
  it('only moves the ledger expiry, calling no platform and keeping the credentials', async () => {
    // Prepare
    const key = await cloopenTenant('clexpiry');
    const before = await h.account(key);
    const requestsBefore = h.simulators.cloopen.state.requests.length;

    // Act
    const { applied, requestId } = await update(key, { expiresAt: '2027-06-30T08:00:00+08:00' });

    // Assess
    expect(applied).toEqual({ result: 'updated', detail: 'changed expiresAt' });
    expect(h.simulators.cloopen.state.requests.length).toBe(requestsBefore);
    expect(await h.account(key)).toEqual({
      ...before,
      expiresAt: '2027-06-30T00:00:00.000Z',
      version: before.version + 1,
      lastRequestId: requestId,
      updatedAt: LATER.toISOString(),
    });
  });

  it('answers no-change to an update that names nothing to change', async () => {
    // Prepare
    const key = await cloopenTenant('clnothing');
    const before = await h.account(key);
    const requestsBefore = h.simulators.cloopen.state.requests.length;

    // Act
    const { applied } = await update(key, { profile: {} });

    // Assess
    expect(applied).toEqual({ result: 'no-change', detail: 'nothing to change' });
    expect(h.simulators.cloopen.state.requests.length).toBe(requestsBefore);
    expect((await h.account(key)).expiresAt).toBe(before.expiresAt);
  });
});
