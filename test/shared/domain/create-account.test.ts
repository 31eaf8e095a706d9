import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeLifecycle } from '../../../shared/domain/change-lifecycle.ts';
import type { ProvisioningDependencies } from '../../../shared/domain/dependencies.ts';
import { classifyFailure, RequestNotApplicableError } from '../../../shared/domain/errors.ts';
import type { CreateRequest } from '../../../shared/domain/request.ts';
import { chinaDateTime } from '../../../shared/platforms/china-time.ts';
import { PlatformError } from '../../../shared/ports/errors.ts';
import type { AccountKey } from '../../../shared/ports/ledger.ts';
import {
  baijiayunCreateInput,
  clockOf,
  cloopenCreateInput,
  DEFAULT_HORIZON_DAYS,
  daysAfter,
  GENERATED_PASSWORD,
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

const keyOf = (request: CreateRequest): AccountKey => ({
  platform: request.platform,
  tenantId: request.tenantId,
});

/** Runs the create use case on the account as the ledger holds it, as the envelope would. */
async function create(request: CreateRequest, deps: ProvisioningDependencies = h.deps) {
  return runCreate(request, await h.ledger.getAccount(keyOf(request)), deps, clockOf(deps));
}

const cloopenNamed = (name: string) =>
  h.simulators.cloopen.state.accounts.filter((a) => a.friendlyName === name);
/** How many creates (SubAccounts) the Cloopen simulator has received. */
const cloopenCreates = () =>
  h.simulators.cloopen.state.requests.filter((r) => r.operation === 'SubAccounts').length;
const baijiayunWith = (mobile: string) =>
  [...h.simulators.baijiayun.state.accounts.values()].filter((a) => a.mobile === mobile);

describe('createAccount on Cloopen', () => {
  it('records an active account whose sealed credentials open to the simulator tokens', async () => {
    // Prepare
    const ids = h.ids('cl');
    const request = validRequest(cloopenCreateInput(ids));
    const name = `${ids.tenantId}@example.com`;

    // Act
    const applied = await create(request);

    // Assess
    const [onPlatform, ...others] = cloopenNamed(name);
    expect(others).toHaveLength(0);
    expect(applied).toEqual({
      result: 'created',
      detail: `sub-account ${onPlatform?.subAccountSid} (${name})`,
    });
    const record = await h.account(keyOf(request));
    expect(record).toMatchObject({
      state: 'active',
      version: 1,
      subAccountId: onPlatform?.subAccountSid,
      naturalKey: name,
      profile: { friendlyName: name },
      lastRequestId: ids.requestId,
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
    expect(record.pendingRequestId).toBeUndefined();
    expect(record.expiresAt).toBeUndefined();
    expect(record.credentials?.scheme).toBe('aes-256-gcm');
    const credentials = await h.credentials(record);
    expect(credentials.subToken?.reveal()).toBe(onPlatform?.subToken);
    expect(credentials.voipPwd?.reveal()).toBe(onPlatform?.voipPwd);
    expect(JSON.stringify(record)).not.toContain(onPlatform?.subToken);
    expect((await h.ledger.claimNaturalKey('cloopen', name, 'someone_else')).holder).toBe(ids.tenantId);
  });

  it('adopts, on retry, the sub-account whose create answer was lost, leaving one on the simulator', async () => {
    // Prepare
    const ids = h.ids('cllost');
    const request = validRequest(cloopenCreateInput(ids));
    const name = `${ids.tenantId}@example.com`;
    h.simulators.cloopen.inject({ fault: { kind: 'drop-after-commit' }, operation: 'SubAccounts' });
    const lost = await rejection(create(request));
    const pending = await h.ledger.getAccount(keyOf(request));
    const creates = cloopenCreates();

    // Act
    const applied = await create(request);

    // Assess
    expect(lost).toBeInstanceOf(PlatformError);
    expect(lost).toMatchObject({ outcomeUnknown: true });
    expect(classifyFailure(lost)).toBe('retryable');
    // Nothing was recorded but the claim, which marks the create in flight: the retry looks first.
    expect(pending).toBeUndefined();
    expect(applied.result).toBe('adopted');
    expect(cloopenCreates()).toBe(creates);
    const named = cloopenNamed(name);
    expect(named).toHaveLength(1);
    const record = await h.account(keyOf(request));
    expect(record).toMatchObject({ state: 'active', subAccountId: named[0]?.subAccountSid });
    expect((await h.credentials(record)).subToken?.reveal()).toBe(named[0]?.subToken);
  });

  it('refuses a name another tenant owns, without calling the platform or recording an account', async () => {
    // Prepare
    const owner = h.ids('owner');
    const intruder = h.ids('intruder');
    const name = `${owner.tenantId}@shared.example.com`;
    await create(validRequest(cloopenCreateInput(owner, { friendlyName: name })));
    const request = validRequest(cloopenCreateInput(intruder, { friendlyName: name }));
    const before = h.simulators.cloopen.state.requests.length;

    // Act
    const error = await rejection(create(request));

    // Assess
    expect(error).toBeInstanceOf(RequestNotApplicableError);
    expect(error).toMatchObject({ reason: 'natural-key-taken', retryable: false });
    expect((error as Error).message).toContain(owner.tenantId);
    expect(h.simulators.cloopen.state.requests.length).toBe(before);
    expect(await h.ledger.getAccount(keyOf(request))).toBeUndefined();
    expect((await h.ledger.claimNaturalKey('cloopen', name, intruder.tenantId)).holder).toBe(owner.tenantId);
    expect(cloopenNamed(name)).toHaveLength(1);
  });
});

describe('createAccount on Baijiayun', () => {
  it('records an active account with the requested expiry and the generated password, sealed', async () => {
    // Prepare
    const ids = h.ids('bj');
    const mobile = h.mobile();
    const request = validRequest(
      baijiayunCreateInput(ids, mobile, {
        expiresAt: '2027-01-31T08:00:00+08:00',
        profile: { company: '示例公司', products: { largeClass: { enabled: true, userLimit: 50 } } },
      }),
    );

    // Act
    const applied = await create(request);

    // Assess
    expect(applied.result).toBe('created');
    const onPlatform = h.simulators.baijiayun.state.byMobile(mobile);
    expect(onPlatform).toMatchObject({
      password: GENERATED_PASSWORD,
      effect_time: chinaDateTime(NOW),
      expire_time: '2027-01-31 08:00:00',
      company: '示例公司',
      large_class_status: 1,
      large_class_user_limit: 50,
    });
    const record = await h.account(keyOf(request));
    expect(record).toMatchObject({
      state: 'active',
      subAccountId: String(onPlatform?.partner_id),
      naturalKey: mobile,
      expiresAt: '2027-01-31T00:00:00.000Z',
      lastRequestId: ids.requestId,
    });
    const credentials = await h.credentials(record);
    expect(credentials.password?.reveal()).toBe(GENERATED_PASSWORD);
    expect(credentials.partnerKey?.reveal()).toBe(onPlatform?.partner_key);
    expect(credentials.secretKey?.reveal()).toBe(onPlatform?.secret_key);
    expect(JSON.stringify(record)).not.toContain(GENERATED_PASSWORD);
  });

  it('seals a password the request brings and keeps it out of the stored profile', async () => {
    // Prepare
    const ids = h.ids('bjpw');
    const mobile = h.mobile();
    const request = validRequest(
      baijiayunCreateInput(ids, mobile, { profile: { password: 'Own-Pass-2026' } }),
    );

    // Act
    await create(request);

    // Assess
    expect(h.simulators.baijiayun.state.byMobile(mobile)?.password).toBe('Own-Pass-2026');
    const record = await h.account(keyOf(request));
    expect((await h.credentials(record)).password?.reveal()).toBe('Own-Pass-2026');
    expect(record.profile).toEqual({ mobile, email: `${ids.tenantId}@example.com` });
    expect(JSON.stringify(record)).not.toContain('Own-Pass-2026');
  });

  it('gives a create without an expiry now plus the default horizon, in the ledger and on the platform', async () => {
    // Prepare
    const ids = h.ids('bjhorizon');
    const mobile = h.mobile();
    const request = validRequest(baijiayunCreateInput(ids, mobile));
    const expected = daysAfter(NOW, DEFAULT_HORIZON_DAYS);

    // Act
    await create(request);

    // Assess
    expect((await h.account(keyOf(request))).expiresAt).toBe(expected.toISOString());
    expect(h.simulators.baijiayun.state.byMobile(mobile)?.expire_time).toBe(chinaDateTime(expected));
  });

  it('adopts, on retry, the sub-account whose create answer was lost, with its password', async () => {
    // Prepare
    const ids = h.ids('bjlost');
    const mobile = h.mobile();
    const request = validRequest(baijiayunCreateInput(ids, mobile));
    h.simulators.baijiayun.inject({ fault: { kind: 'drop-after-commit' }, operation: 'addSubAccount' });
    const lost = await rejection(create(request));
    const afterLoss = baijiayunWith(mobile).length;

    // Act
    const applied = await create(request);

    // Assess
    expect(lost).toMatchObject({ outcomeUnknown: true });
    expect(classifyFailure(lost)).toBe('retryable');
    expect(afterLoss).toBe(1);
    expect(applied.result).toBe('adopted');
    expect(
      h.simulators.baijiayun.calls.filter(
        (c) => c.operation === 'addSubAccount' && c.fields.mobile === mobile,
      ),
    ).toHaveLength(1);
    const withMobile = baijiayunWith(mobile);
    expect(withMobile).toHaveLength(1);
    const record = await h.account(keyOf(request));
    expect(record).toMatchObject({
      state: 'active',
      subAccountId: String(withMobile[0]?.partner_id),
      lastRequestId: ids.requestId,
    });
    expect(record.pendingRequestId).toBeUndefined();
    const credentials = await h.credentials(record);
    expect(credentials.password?.reveal()).toBe(GENERATED_PASSWORD);
    expect(credentials.partnerKey?.reveal()).toBe(withMobile[0]?.partner_key);
  });

  it('answers already-provisioned to a second create of a provisioned tenant, calling no platform', async () => {
    // Prepare
    const ids = h.ids('bjtwice');
    const mobile = h.mobile();
    await create(validRequest(baijiayunCreateInput(ids, mobile)));
    const provisioned = await h.account({ platform: 'baijiayun', tenantId: ids.tenantId });
    const second = validRequest(baijiayunCreateInput({ ...ids, requestId: `${ids.requestId}-2` }, mobile));
    const calls = h.simulators.baijiayun.calls.length;

    // Act
    const applied = await create(second);

    // Assess
    expect(applied).toEqual({
      result: 'already-provisioned',
      detail: `sub-account ${provisioned.subAccountId} is active`,
    });
    expect(h.simulators.baijiayun.calls.length).toBe(calls);
    expect(baijiayunWith(mobile)).toHaveLength(1);
    expect(await h.account(keyOf(second))).toEqual(provisioned);
  });

  it('refuses to create again for a closed account, whose closing is final', async () => {
    // Prepare
    const ids = h.ids('bjclosed');
    const mobile = h.mobile();
    const key: AccountKey = { platform: 'baijiayun', tenantId: ids.tenantId };
    await create(validRequest(baijiayunCreateInput(ids, mobile)));
    const close = validRequest(lifecycleInput(key, `${ids.requestId}-c`, 'close'));
    await saved(h.deps, changeLifecycle(close, await h.account(key), h.deps, clockOf(h.deps)));
    const closed = await h.account(key);
    const again = validRequest(baijiayunCreateInput({ ...ids, requestId: `${ids.requestId}-2` }, mobile));
    const calls = h.simulators.baijiayun.calls.length;

    // Act
    const error = await rejection(create(again));

    // Assess
    expect(closed.state).toBe('closed');
    expect(error).toBeInstanceOf(RequestNotApplicableError);
    expect(error).toMatchObject({ reason: 'account-closed', retryable: false });
    expect(h.simulators.baijiayun.calls.length).toBe(calls);
    expect(await h.account(key)).toEqual(closed);
  });

  it('frees the mobile an unfinished create claimed when the next create names another one', async () => {
    // Prepare: the first create failed retryably (it waits in the DLQ), so the envelope marked its
    // account pending under the first mobile.
    const ids = h.ids('bjretry');
    const first = h.mobile();
    const second = h.mobile();
    const key: AccountKey = { platform: 'baijiayun', tenantId: ids.tenantId };
    h.simulators.baijiayun.inject({ fault: { kind: 'http-error', status: 502 }, operation: 'addSubAccount' });
    const failure = await rejection(create(validRequest(baijiayunCreateInput(ids, first))));
    await h.ledger.createAccount({
      ...key,
      state: 'pending',
      version: 1,
      naturalKey: first,
      pendingRequestId: ids.requestId,
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
    const pending = await h.ledger.getAccount(key);
    const next = validRequest(baijiayunCreateInput({ ...ids, requestId: `${ids.requestId}-2` }, second));

    // Act
    const applied = await create(next);

    // Assess
    expect(classifyFailure(failure)).toBe('retryable');
    expect(pending).toMatchObject({ state: 'pending', naturalKey: first });
    expect(applied.result).toBe('created');
    expect(await h.account(key)).toMatchObject({ state: 'active', naturalKey: second });
    expect((await h.ledger.claimNaturalKey('baijiayun', first, 'someone_else')).holder).toBe('someone_else');
    expect((await h.ledger.claimNaturalKey('baijiayun', second, 'someone_else')).holder).toBe(ids.tenantId);
    expect(baijiayunWith(first)).toHaveLength(0);
  });
});
