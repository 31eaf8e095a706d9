import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../../shared/domain/errors.ts';
import {
  type BaijiayunClient,
  type BaijiayunClientDeps,
  createBaijiayunClient,
} from '../../../../shared/platforms/baijiayun/client.ts';
import type { BaijiayunCreateInput } from '../../../../shared/platforms/baijiayun/inputs.ts';
import { budgetLimiter, type RateLimiter } from '../../../../shared/platforms/baijiayun/limiter.ts';
import type { BaijiayunConfig } from '../../../../shared/platforms/baijiayun/settings.ts';
import { ProcessRateBudget } from '../../../../shared/platforms/pacer.ts';
import { PlatformError } from '../../../../shared/ports/errors.ts';
import type { SubAccount } from '../../../../shared/ports/platform.ts';
import { Secret } from '../../../../shared/secret.ts';
import {
  type BaijiayunSimulator,
  type BaijiayunSimulatorOptions,
  startBaijiayunSimulator,
} from '../../../../simulators/baijiayun/server.ts';

const PARTNER_ID = '30000001';
const PARTNER_KEY = 'client-test-partner-key/+==';
/** 2024-05-01 08:00:00 in China. */
const START = Date.parse('2024-05-01T00:00:00Z');

/** One clock for the simulator and the client, so timestamps and expiry are deterministic. */
const clock = { at: START };
const now = () => new Date(clock.at);
const unlimited = (): RateLimiter => ({ acquire: async () => undefined });

function configFor(sim: BaijiayunSimulator, overrides: Partial<BaijiayunConfig> = {}): BaijiayunConfig {
  return {
    baseUrl: sim.baseUrl,
    partnerId: PARTNER_ID,
    partnerKey: new Secret(PARTNER_KEY),
    timeoutMs: 2_000,
    rateLimitRequests: 180,
    ...overrides,
  };
}

function clientFor(
  sim: BaijiayunSimulator,
  overrides: Partial<BaijiayunConfig> = {},
  deps: BaijiayunClientDeps = {},
): BaijiayunClient {
  return createBaijiayunClient(configFor(sim, overrides), {
    now,
    limiter: unlimited(),
    retryBaseMs: 1,
    ...deps,
  });
}

const startSim = (options: Partial<BaijiayunSimulatorOptions> = {}) =>
  startBaijiayunSimulator({
    partnerId: PARTNER_ID,
    partnerKey: PARTNER_KEY,
    now,
    rateLimit: false,
    ...options,
  });

const mobileAt = (i: number) => `139${String(i).padStart(8, '0')}`;

function seed(sim: BaijiayunSimulator, count: number): void {
  for (let i = 0; i < count; i++) {
    sim.state.add({
      mobile: mobileAt(i),
      email: `u${i}@example.com`,
      password: 'seeded-pw',
      effect_time: '2024-01-01 00:00:00',
      expire_time: '2030-01-01 00:00:00',
    });
  }
}

const ops = (sim: BaijiayunSimulator) => sim.calls.map((call) => call.operation);
const pagesAsked = (sim: BaijiayunSimulator) =>
  sim.calls.filter((call) => call.operation === 'getSubAccountList').map((call) => Number(call.fields.page));

async function rejection(promise: Promise<unknown>): Promise<PlatformError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PlatformError) return error;
    throw error;
  }
  throw new Error('expected a PlatformError');
}

async function collect(iterable: AsyncIterable<SubAccount>): Promise<SubAccount[]> {
  const items: SubAccount[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

const INPUT: BaijiayunCreateInput = {
  mobile: '13800138000',
  email: 'ops@example.com',
  password: new Secret('Pa55word!'),
  effectTime: new Date('2024-01-01T00:00:00+08:00'),
  expireTime: new Date('2030-01-01T00:00:00+08:00'),
  company: '示例公司',
  contacts: '张三',
  products: {
    largeClass: { enabled: true, userLimit: 100, maxUserLimit: 120, maxSpeakers: 6 },
    smallClass: { enabled: false },
    business: { enabled: true },
    video: { enabled: true, flow: 10, maxFlow: 20, storageLimit: 30, maxStorageLimit: 40 },
  },
  creditMoney: 500,
};

describe('Baijiayun client against the simulator', () => {
  let sim: BaijiayunSimulator;
  let client: BaijiayunClient;
  beforeAll(async () => {
    // Page size capped at 20 whatever the client asks for, so 250 accounts take 13 pages.
    sim = await startSim({ maxPageSize: 20 });
    client = clientFor(sim);
  });
  afterEach(() => {
    sim.reset();
    clock.at = START;
  });
  afterAll(() => sim.close());

  it('creates a sub-account with every field mapped and returns its credentials', async () => {
    // Act
    const result = await client.create(INPUT);

    // Assess
    const stored = sim.state.byMobile(INPUT.mobile);
    if (!stored || result.outcome !== 'created') throw new Error('expected a created account');
    expect(sim.calls[0]?.fields).toEqual({
      partner_id: PARTNER_ID,
      timestamp: String(START / 1000),
      sign: expect.stringMatching(/^[0-9a-f]{32}$/),
      mobile: '13800138000',
      email: 'ops@example.com',
      password: 'Pa55word!',
      effect_time: '2024-01-01 00:00:00',
      expire_time: '2030-01-01 00:00:00',
      company: '示例公司',
      contacts: '张三',
      large_class_status: '1',
      large_class_user_limit: '100',
      large_class_max_user_limit: '120',
      large_class_live_max_speakers: '6',
      small_class_status: '0',
      business_status: '1',
      video_status: '1',
      flow: '10',
      max_flow: '20',
      storage_limit: '30',
      max_storage_limit: '40',
      credit_money: '500',
    });
    expect(ops(sim)).toEqual(['addSubAccount', 'getAccountInfo']);
    expect(result.account).toMatchObject({
      platform: 'baijiayun',
      id: String(stored.partner_id),
      naturalKey: INPUT.mobile,
      effectiveAt: '2024-01-01T00:00:00+08:00',
      expiresAt: '2030-01-01T00:00:00+08:00',
      details: {
        company: '示例公司',
        large_class_user_limit: 100,
        credit_money: 500,
        private_domain: stored.private_domain,
      },
    });
    expect(result.credentials.password?.reveal()).toBe('Pa55word!');
    expect(result.credentials.partnerKey?.reveal()).toBe(stored.partner_key);
    expect(result.credentials.secretKey?.reveal()).toBe(stored.secret_key);
  });

  it('still answers created, with the password only, when the follow-up read fails', async () => {
    // Prepare
    sim.inject({ operation: 'getAccountInfo', fault: { kind: 'http-error', status: 500 }, times: 3 });

    // Act
    const result = await client.create(INPUT);

    // Assess
    const stored = sim.state.byMobile(INPUT.mobile);
    if (!stored || result.outcome !== 'created') throw new Error('expected a created account');
    expect(result.account.id).toBe(String(stored.partner_id));
    expect(Object.keys(result.credentials)).toEqual(['password']);
    expect(ops(sim)).toEqual(['addSubAccount', 'getAccountInfo', 'getAccountInfo', 'getAccountInfo']);
  });

  it('answers already-exists when the mobile is taken', async () => {
    // Prepare
    seed(sim, 30);
    const taken = { ...INPUT, mobile: mobileAt(29) };

    // Act
    const result = await client.create(taken);

    // Assess
    expect(result).toEqual({ outcome: 'already-exists', naturalKey: mobileAt(29) });
    expect(sim.state.accounts.size).toBe(30);
  });

  it('fails for good, adopting nothing, when another account already uses the email', async () => {
    // Prepare
    seed(sim, 3);
    const taken = { ...INPUT, email: 'u1@example.com' };

    // Act
    const error = await rejection(client.create(taken));

    // Assess
    expect(error).toMatchObject({ code: '1', vendorMessage: '邮箱已存在', operation: 'addSubAccount' });
    expect(classifyFailure(error)).toBe('permanent');
    expect(sim.state.accounts.size).toBe(3);
  });

  it('rethrows a code-1 refusal when no account has the mobile', async () => {
    // Prepare
    sim.inject({
      operation: 'addSubAccount',
      fault: { kind: 'vendor-error', code: '1', message: '操作失败' },
    });

    // Act
    const error = await rejection(client.create(INPUT));

    // Assess
    expect(error).toMatchObject({
      code: '1',
      category: 'unknown',
      vendorMessage: '操作失败',
      operation: 'addSubAccount',
    });
    expect(ops(sim)).toEqual(['addSubAccount', 'getSubAccountList']);
  });

  it('does not look up the mobile when code 1 says the call was rate limited', async () => {
    // Prepare
    sim.inject({ operation: 'addSubAccount', fault: { kind: 'rate-limit' } });

    // Act
    const error = await rejection(client.create(INPUT));

    // Assess
    expect(error.category).toBe('rate-limited');
    expect(classifyFailure(error)).toBe('retryable');
    expect(ops(sim)).toEqual(['addSubAccount']);
  });

  it('reports an unknown outcome when the connection drops after the commit, then finds the account by mobile', async () => {
    // Prepare
    seed(sim, 250);
    sim.inject({ operation: 'addSubAccount', fault: { kind: 'drop-after-commit' } });

    // Act
    const error = await rejection(client.create(INPUT));
    sim.calls.length = 0;
    const found = await client.findByNaturalKey(INPUT.mobile);

    // Assess
    expect(error.outcomeUnknown).toBe(true);
    expect(classifyFailure(error)).toBe('retryable');
    expect(found?.id).toBe(String(sim.state.byMobile(INPUT.mobile)?.partner_id));
    expect(found?.naturalKey).toBe(INPUT.mobile);
    // 251 accounts served 20 at a time: page 1, then straight to the last page where the new one is.
    expect(pagesAsked(sim)).toEqual([1, 13]);
  });

  it('finds an account in the middle by walking back from the last page', async () => {
    // Prepare
    seed(sim, 250);

    // Act
    const found = await client.findByNaturalKey(mobileAt(100));

    // Assess
    expect(found?.naturalKey).toBe(mobileAt(100));
    expect(pagesAsked(sim)).toEqual([1, 13, 12, 11, 10, 9, 8, 7, 6]);
  });

  it('reads every page exactly once before saying a mobile is nowhere', async () => {
    // Prepare
    seed(sim, 250);

    // Act
    const found = await client.findByNaturalKey('13700000000');

    // Assess
    expect(found).toBeUndefined();
    expect(pagesAsked(sim)).toEqual([1, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2]);
    expect(sim.calls.every((call) => call.fields.page_size === '100')).toBe(true);
  });

  it('answers undefined without paging when there are no accounts at all', async () => {
    // Act
    const found = await client.findByNaturalKey(INPUT.mobile);

    // Assess
    expect(found).toBeUndefined();
    expect(pagesAsked(sim)).toEqual([1]);
  });

  it('gets one account with its credentials, and undefined for an unknown id', async () => {
    // Prepare
    const stored = sim.state.add({
      mobile: INPUT.mobile,
      email: 'x@example.com',
      password: 'stored-pw',
      effect_time: '2024-01-01 00:00:00',
      expire_time: '2030-01-01 00:00:00',
      credit_money: 9,
    });

    // Act
    const account = await client.get(String(stored.partner_id));
    const missing = await client.get('11111111');

    // Assess
    expect(account).toMatchObject({
      id: String(stored.partner_id),
      naturalKey: INPUT.mobile,
      status: 'unknown',
    });
    expect(account?.details.credit_money).toBe(9);
    expect(account?.credentials.password?.reveal()).toBe('stored-pw');
    expect(account?.credentials.partnerKey?.reveal()).toBe(stored.partner_key);
    expect(account?.credentials.secretKey?.reveal()).toBe(stored.secret_key);
    expect(missing).toBeUndefined();
  });

  it('lists every account across pages the server capped, once each and in order, with its real state', async () => {
    // Prepare
    seed(sim, 250);
    const disabled = [...sim.state.accounts.values()].slice(0, 2);
    for (const account of disabled) await client.suspend(String(account.partner_id));
    sim.calls.length = 0;

    // Act
    const accounts = await collect(client.list());

    // Assess: the enabled ones (filter 1), then the stopped ones (filter 2); no filter proves nothing.
    expect(accounts.map((a) => a.naturalKey)).toEqual([
      ...Array.from({ length: 248 }, (_, i) => mobileAt(i + 2)),
      mobileAt(0),
      mobileAt(1),
    ]);
    expect(accounts.slice(0, 248).every((a) => a.status === 'active')).toBe(true);
    expect(accounts.slice(248).every((a) => a.status === 'suspended')).toBe(true);
    expect(sim.calls.map((call) => call.fields.status)).toEqual([...Array(13).fill('1'), '2']);
  });

  it('filters the list by status and reports the state the filter proves', async () => {
    // Prepare
    seed(sim, 30);
    const stopped = [...sim.state.accounts.values()].slice(0, 3);
    for (const account of stopped) await client.suspend(String(account.partner_id));

    // Act
    const stoppedList = await collect(client.list({ status: 'stopped' }));
    const activeList = await collect(client.list({ status: 'active', pageSize: 7 }));

    // Assess
    expect(stoppedList.map((a) => a.id)).toEqual(stopped.map((a) => String(a.partner_id)));
    expect(stoppedList.every((a) => a.status === 'suspended')).toBe(true);
    expect(activeList).toHaveLength(27);
    expect(activeList.every((a) => a.status === 'active')).toBe(true);
    const listCalls = sim.calls.filter((call) => call.operation === 'getSubAccountList');
    expect(listCalls[0]?.fields.status).toBe('2');
    expect(listCalls.at(-1)).toMatchObject({ fields: { status: '1', page_size: '7' } });
  });

  it('fans an update out to one call per group, resending the current values of absent required limits', async () => {
    // Prepare
    const stored = sim.state.add({
      mobile: mobileAt(0),
      email: 'u0@example.com',
      password: 'seeded-pw',
      effect_time: '2024-01-01 00:00:00',
      expire_time: '2030-01-01 00:00:00',
      business_status: 1,
      business_user_limit: 70,
      business_max_user_limit: 90,
      video_status: 1,
      flow: 11,
      max_flow: 12,
      storage_limit: 13,
      max_storage_limit: 14,
    });
    const id = String(stored.partner_id);

    // Act
    const result = await client.update(id, {
      company: '新公司',
      password: new Secret('NewPass123'),
      expireTime: new Date('2031-06-30T23:59:59+08:00'),
      products: {
        largeClass: { enabled: true, userLimit: 50, maxUserLimit: 60, maxSpeakers: 4 },
        smallClass: { enabled: true },
        business: { enabled: false },
        video: { enabled: true, flow: 5 },
      },
      creditMoney: 800,
    });

    // Assess
    expect(result).toEqual({ outcome: 'applied' });
    expect(ops(sim)).toEqual([
      'getAccountInfo',
      'updateSubAccount',
      'setLiveAccount',
      'setLiveAccount',
      'setLiveAccount',
      'setVideoAccount',
      'setCreditMoney',
    ]);
    const fields = sim.calls.map(({ fields: { partner_id, timestamp, sign, ...rest } }) => rest);
    expect(fields).toEqual([
      { sub_partner_id: id },
      { sub_partner_id: id, company: '新公司', password: 'NewPass123', expire_time: '2031-06-30 23:59:59' },
      {
        sub_partner_id: id,
        product_type: '1',
        user_limit: '50',
        max_user_limit: '60',
        status: '1',
        live_max_speakers: '4',
      },
      { sub_partner_id: id, product_type: '2', user_limit: '0', max_user_limit: '0', status: '1' },
      { sub_partner_id: id, product_type: '4', user_limit: '70', max_user_limit: '90', status: '0' },
      {
        sub_partner_id: id,
        flow: '5',
        max_flow: '12',
        storage_limit: '13',
        max_storage_limit: '14',
        status: '1',
      },
      { sub_partner_id: id, credit_money: '800' },
    ]);
    expect(sim.state.byId(id)).toMatchObject({
      company: '新公司',
      password: 'NewPass123',
      expire_time: '2031-06-30 23:59:59',
      large_class_status: 1,
      large_class_user_limit: 50,
      small_class_status: 1,
      business_status: 2,
      business_user_limit: 70,
      business_max_user_limit: 90,
      video_status: 1,
      flow: 5,
      max_flow: 12,
      max_storage_limit: 14,
      credit_money: 800,
    });
  });

  it('applies empty changes without calling the platform', async () => {
    // Act
    const result = await client.update('12345678', {});

    // Assess
    expect(result).toEqual({ outcome: 'applied' });
    expect(sim.calls).toEqual([]);
  });

  it('suspends, resumes and closes, with the effects visible in the platform state', async () => {
    // Prepare
    seed(sim, 1);
    const account = sim.state.byMobile(mobileAt(0));
    if (!account) throw new Error('seeded');
    const id = String(account.partner_id);

    // Act / Assess
    expect(await client.suspend(id)).toEqual({ outcome: 'applied' });
    expect(account.enabled).toBe(false);
    expect(await client.resume(id)).toEqual({ outcome: 'applied' });
    expect(account.enabled).toBe(true);
    expect(await client.close(id)).toEqual({ outcome: 'applied' });
    expect(account.enabled).toBe(false);
    expect(account.expire_time).toBe('2024-05-01 08:00:00');
    expect(account.effect_time).toBe('2024-01-01 00:00:00');
    expect(ops(sim)).toEqual([
      'setAccountStatus',
      'setAccountStatus',
      'getAccountInfo',
      'updateSubAccount',
      'setAccountStatus',
    ]);
    expect(sim.calls.at(-2)?.fields).not.toHaveProperty('effect_time');
    clock.at += 1_000;
    expect((await client.get(id))?.status).toBe('suspended');
    expect([...client.supports].sort()).toEqual(['close', 'resume', 'suspend', 'update']);
  });

  it('proves the master credentials with one cheap list call', async () => {
    // Prepare
    seed(sim, 5);

    // Act
    const info = await client.masterAccountInfo();

    // Assess
    expect(info).toEqual({ platform: 'baijiayun', name: PARTNER_ID, details: { subAccountTotal: 5 } });
    expect(sim.calls).toHaveLength(1);
    expect(sim.calls[0]?.fields).toMatchObject({ page: '1', page_size: '1', status: '0' });
  });

  it('calls all eight endpoints with partner_id, a 10-digit timestamp and a sign', async () => {
    // Act
    const { partner_id: id } = await client.addSubAccount({
      mobile: INPUT.mobile,
      email: INPUT.email,
      password: INPUT.password,
      effect_time: '2024-01-01 00:00:00',
      expire_time: '2030-01-01 00:00:00',
      large_class_status: 1,
    });
    const page = await client.getSubAccountList({ status: 0, page: 1, page_size: 10 });
    const info = await client.getAccountInfo(id);
    await client.setLiveAccount({ sub_partner_id: id, product_type: 1, user_limit: 3, max_user_limit: 4 });
    await client.setVideoAccount({
      sub_partner_id: id,
      flow: 1,
      max_flow: 2,
      storage_limit: 3,
      max_storage_limit: 4,
    });
    await client.setCreditMoney({ sub_partner_id: id, credit_money: 7 });
    await client.setAccountStatus({ sub_partner_id: id, status: 0 });
    await client.updateSubAccount({ sub_partner_id: id, contacts: '李四' });

    // Assess
    expect(page.list.map((item) => item.partner_id)).toEqual([id]);
    expect(info.mobile).toBe(INPUT.mobile);
    expect(new Set(ops(sim))).toEqual(
      new Set([
        'getSubAccountList',
        'addSubAccount',
        'getAccountInfo',
        'setLiveAccount',
        'setVideoAccount',
        'setCreditMoney',
        'setAccountStatus',
        'updateSubAccount',
      ]),
    );
    for (const call of sim.calls) {
      expect(call.fields).toMatchObject({
        partner_id: PARTNER_ID,
        timestamp: expect.stringMatching(/^\d{10}$/),
        sign: expect.stringMatching(/^[0-9a-f]{32}$/),
      });
    }
    expect(sim.state.byId(id)).toMatchObject({
      large_class_user_limit: 3,
      max_storage_limit: 4,
      credit_money: 7,
      enabled: false,
      contacts: '李四',
    });
  });

  it('never shows secrets in JSON or inspect of results and errors', async () => {
    // Prepare
    const created = await client.create(INPUT);
    const stored = sim.state.byMobile(INPUT.mobile);
    if (!stored) throw new Error('created');
    const fetched = await client.get(String(stored.partner_id));
    const error = await rejection(
      clientFor(sim, { partnerKey: new Secret('wrong-key') }).get(String(stored.partner_id)),
    );
    const sentSigns = sim.calls.map((call) => call.fields.sign ?? '');

    // Act
    const printed = [created, fetched, error].flatMap((value) => [
      JSON.stringify(value),
      inspect(value, { depth: 10 }),
      String(value),
    ]);

    // Assess
    for (const text of printed) {
      for (const secretValue of [
        'Pa55word!',
        stored.partner_key,
        stored.secret_key,
        PARTNER_KEY,
        ...sentSigns,
      ]) {
        expect(text).not.toContain(secretValue);
      }
    }
  });
});

describe('Baijiayun client failures', () => {
  let sim: BaijiayunSimulator;
  let client: BaijiayunClient;
  beforeAll(async () => {
    sim = await startSim();
    client = clientFor(sim, {}, { readRetries: 0 });
  });
  afterEach(() => {
    sim.reset();
    clock.at = START;
  });
  afterAll(() => sim.close());

  it.each([
    ['1001', undefined, 'invalid-request', 'permanent'],
    ['1002', undefined, 'authentication', 'permanent'],
    ['2001', undefined, 'not-found', 'permanent'],
    ['2002', undefined, 'authentication', 'permanent'],
    ['2003', undefined, 'account-state', 'permanent'],
    ['404', undefined, 'protocol', 'permanent'],
    ['1', '操作失败', 'unknown', 'permanent'],
    ['1', '请求过于频繁，请稍后再试', 'rate-limited', 'retryable'],
    ['1', 'timestamp 已失效', 'authentication', 'permanent'],
  ] as const)('maps vendor code %s (%s) to %s, %s', async (code, message, category, retry) => {
    // Prepare
    sim.inject({ operation: 'setCreditMoney', fault: { kind: 'vendor-error', code, message } });

    // Act
    const error = await rejection(client.setCreditMoney({ sub_partner_id: '12345678', credit_money: 1 }));

    // Assess
    expect(error).toMatchObject({ platform: 'baijiayun', code, category, operation: 'setCreditMoney' });
    expect(error.vendorMessage).toEqual(expect.any(String));
    expect(classifyFailure(error)).toBe(retry);
  });

  it('is refused with 1002, authentication, when signing with a wrong key', async () => {
    // Prepare
    const badKey = clientFor(sim, { partnerKey: new Secret('not-the-key') });

    // Act
    const error = await rejection(badKey.masterAccountInfo());

    // Assess
    expect(error).toMatchObject({ code: '1002', category: 'authentication', vendorMessage: '签名错误' });
  });

  it('is refused with code 1, authentication, when its clock is an hour behind', async () => {
    // Prepare
    const stale = clientFor(sim, {}, { now: () => new Date(clock.at - 3_600_000) });

    // Act
    const error = await rejection(stale.masterAccountInfo());

    // Assess
    expect(error).toMatchObject({ code: '1', category: 'authentication' });
    expect(classifyFailure(error)).toBe('permanent');
  });

  it('reads a wrong base path as a protocol error (code 404)', async () => {
    // Prepare
    const lost = clientFor(sim, { baseUrl: `${sim.baseUrl}/v2` });

    // Act
    const error = await rejection(lost.masterAccountInfo());

    // Assess
    expect(error).toMatchObject({ code: '404', category: 'protocol' });
  });

  it('times out on a hung create with an unknown outcome, and on a hung read', async () => {
    // Prepare
    const impatient = clientFor(sim, { timeoutMs: 200 }, { readRetries: 0 });
    sim.inject({ operation: 'addSubAccount', fault: { kind: 'hang' } });
    sim.inject({ operation: 'getAccountInfo', fault: { kind: 'hang' } });

    // Act
    const create = await rejection(impatient.create(INPUT));
    const read = await rejection(impatient.get('12345678'));

    // Assess
    expect(create).toMatchObject({ category: 'timeout', outcomeUnknown: true });
    expect(read).toMatchObject({ category: 'timeout', outcomeUnknown: false });
    expect(classifyFailure(create)).toBe('retryable');
    expect(sim.state.accounts.size).toBe(0);
  });

  it('reports 5xx on a mutation as retryable with an unknown outcome, without retrying it', async () => {
    // Prepare
    const retrying = clientFor(sim, {}, { readRetries: 2 });
    sim.inject({ operation: 'setAccountStatus', fault: { kind: 'http-error', status: 503 }, times: 3 });

    // Act
    const error = await rejection(retrying.suspend('12345678'));

    // Assess
    expect(error).toMatchObject({ category: 'server', code: 'HTTP 503', outcomeUnknown: true });
    expect(classifyFailure(error)).toBe('retryable');
    expect(ops(sim)).toEqual(['setAccountStatus']);
  });

  it('reports HTTP 429 as rate-limited and retryable', async () => {
    // Prepare
    sim.inject({ operation: 'setAccountStatus', fault: { kind: 'http-error', status: 429 } });

    // Act
    const error = await rejection(client.resume('12345678'));

    // Assess
    expect(error.category).toBe('rate-limited');
    expect(classifyFailure(error)).toBe('retryable');
  });

  it('retries a read after one 5xx and succeeds', async () => {
    // Prepare
    seed(sim, 1);
    const id = String(sim.state.byMobile(mobileAt(0))?.partner_id);
    const retrying = clientFor(sim, {}, { readRetries: 2 });
    sim.inject({ operation: 'getAccountInfo', fault: { kind: 'http-error', status: 502 } });

    // Act
    const account = await retrying.get(id);

    // Assess
    expect(account?.id).toBe(id);
    expect(ops(sim)).toEqual(['getAccountInfo', 'getAccountInfo']);
  });

  it('retries a read the platform shed with code 1', async () => {
    // Prepare
    const retrying = clientFor(sim, {}, { readRetries: 2 });
    sim.inject({ operation: 'getSubAccountList', fault: { kind: 'rate-limit' } });

    // Act
    const info = await retrying.masterAccountInfo();

    // Assess
    expect(info.details.subAccountTotal).toBe(0);
    expect(ops(sim)).toEqual(['getSubAccountList', 'getSubAccountList']);
  });

  it('takes a limiter slot for every attempt, retries included', async () => {
    // Prepare
    let slots = 0;
    const counting: RateLimiter = {
      acquire: async () => {
        slots += 1;
      },
    };
    const retrying = clientFor(sim, {}, { readRetries: 2, limiter: counting });
    sim.inject({ operation: 'getSubAccountList', fault: { kind: 'http-error', status: 500 } });

    // Act
    await retrying.masterAccountInfo();
    await retrying.suspend('12345678').catch(() => undefined);

    // Assess: two list attempts, the suspend, and the list call that proves its 2001 is about the sub-account.
    expect(slots).toBe(4);
  });
});

describe('Baijiayun client rate limiting', () => {
  it('paces its calls one interval apart and so never trips the platform limit', async () => {
    // Prepare
    const sim = await startSim({ rateLimit: { requests: 5, windowMs: 10_000 } });
    const wakeUps: number[] = [];
    const budget = new ProcessRateBudget({
      now: () => clock.at,
      sleep: async (ms) => {
        clock.at += ms;
        wakeUps.push(clock.at - START);
      },
    });
    const limiter = budgetLimiter(budget, 'partner', { requests: 5, windowMs: 10_000 });
    const client = clientFor(sim, {}, { limiter, readRetries: 0 });
    try {
      // Act
      const results = [];
      for (let i = 0; i < 12; i++) results.push(await client.getSubAccountList());

      // Assess
      expect(results).toHaveLength(12);
      expect(wakeUps).toEqual(Array.from({ length: 11 }, (_, i) => (i + 1) * 2_000));
      expect(sim.calls).toHaveLength(12);
    } finally {
      clock.at = START;
      await sim.close();
    }
  });

  it('reports the platform limit as rate-limited when something else spent the budget', async () => {
    // Prepare
    const sim = await startSim({ rateLimit: { requests: 2, windowMs: 10_000 } });
    const client = clientFor(sim, {}, { readRetries: 0 });
    try {
      await client.getSubAccountList();
      await client.getSubAccountList();

      // Act
      const error = await rejection(client.getSubAccountList());

      // Assess
      expect(error).toMatchObject({
        code: '1',
        category: 'rate-limited',
        vendorMessage: '请求过于频繁，请稍后再试',
      });
      expect(classifyFailure(error)).toBe('retryable');
    } finally {
      await sim.close();
    }
  });
});

describe('Baijiayun client keeping what an update or close does not mention', () => {
  let sim: BaijiayunSimulator;
  let client: BaijiayunClient;
  beforeAll(async () => {
    sim = await startSim();
    client = clientFor(sim, {}, { readRetries: 0 });
  });
  afterEach(() => {
    sim.reset();
    clock.at = START;
  });
  afterAll(() => sim.close());

  const concurrencyBilled = () =>
    sim.state.add({
      mobile: mobileAt(1),
      email: 'c@example.com',
      password: 'seeded-pw',
      effect_time: '2024-01-01 00:00:00',
      expire_time: '2030-01-01 00:00:00',
      large_class_status: 2,
      large_class_user_limit: 100,
      large_class_max_user_limit: 120,
      large_class_live_max_speakers: 6,
    });

  it('keeps the existing limits when an update only opens the large class line', async () => {
    // Prepare
    const stored = concurrencyBilled();
    const id = String(stored.partner_id);

    // Act
    const result = await client.update(id, { products: { largeClass: { enabled: true } } });

    // Assess
    expect(result).toEqual({ outcome: 'applied' });
    expect(ops(sim)).toEqual(['getAccountInfo', 'setLiveAccount']);
    expect(sim.calls[1]?.fields).toMatchObject({
      product_type: '1',
      user_limit: '100',
      max_user_limit: '120',
    });
    expect(stored).toMatchObject({
      large_class_status: 1,
      large_class_user_limit: 100,
      large_class_max_user_limit: 120,
      large_class_live_max_speakers: 6,
    });
  });

  it('reads nothing when every required limit is given', async () => {
    // Prepare
    const stored = concurrencyBilled();
    const id = String(stored.partner_id);

    // Act
    await client.update(id, {
      products: {
        largeClass: { enabled: true, userLimit: 5, maxUserLimit: 6 },
        smallClass: { enabled: true },
        video: { enabled: true, flow: 1, maxFlow: 2, storageLimit: 3, maxStorageLimit: 4 },
      },
    });

    // Assess
    expect(ops(sim)).toEqual(['setLiveAccount', 'setLiveAccount', 'setVideoAccount']);
    expect(stored).toMatchObject({ large_class_user_limit: 5, max_storage_limit: 4 });
  });

  it('changes nothing when the read of the current limits fails', async () => {
    // Prepare
    const stored = concurrencyBilled();
    const id = String(stored.partner_id);
    sim.inject({ operation: 'getAccountInfo', fault: { kind: 'http-error', status: 503 } });

    // Act
    const error = await rejection(
      client.update(id, { company: '新', products: { business: { enabled: true } } }),
    );

    // Assess
    expect(error).toMatchObject({ category: 'server', operation: 'getAccountInfo' });
    expect(ops(sim)).toEqual(['getAccountInfo']);
    expect(stored.company).toBe('');
  });

  const startingAt = (effect: string, expire = '2030-01-01 00:00:00') =>
    sim.state.add({
      mobile: mobileAt(2),
      email: 'f@example.com',
      password: 'seeded-pw',
      effect_time: effect,
      expire_time: expire,
    });

  it.each([
    ['has not started yet', '2025-01-01 00:00:00'],
    ['starts this very second', '2024-05-01 08:00:00'],
  ])(
    'closes an account that %s with every call valid: its start moves to just before its new expiry',
    async (_when, effect) => {
      // Prepare
      const stored = startingAt(effect);
      const id = String(stored.partner_id);

      // Act
      const result = await client.close(id);

      // Assess
      expect(result).toEqual({ outcome: 'applied' });
      expect(ops(sim)).toEqual(['getAccountInfo', 'updateSubAccount', 'setAccountStatus']);
      expect(stored).toMatchObject({
        enabled: false,
        effect_time: '2024-05-01 07:59:59',
        expire_time: '2024-05-01 08:00:00',
      });
    },
  );

  it('leaves the expiry of an account that has already expired as it is, and only disables it', async () => {
    // Prepare
    const stored = startingAt('2024-01-01 00:00:00', '2024-03-01 00:00:00');

    // Act
    const result = await client.close(String(stored.partner_id));

    // Assess
    expect(result).toEqual({ outcome: 'applied' });
    expect(ops(sim)).toEqual(['getAccountInfo', 'setAccountStatus']);
    expect(stored).toMatchObject({ enabled: false, expire_time: '2024-03-01 00:00:00' });
  });

  it('changes nothing, and fails for good, when the platform refuses the first change of a close', async () => {
    // Prepare
    const stored = startingAt('2025-01-01 00:00:00');
    sim.inject({ operation: 'updateSubAccount', fault: { kind: 'vendor-error', code: '1001' } });

    // Act
    const error = await rejection(client.close(String(stored.partner_id)));

    // Assess
    expect(error).toMatchObject({ code: '1001', category: 'invalid-request', operation: 'updateSubAccount' });
    expect(classifyFailure(error)).toBe('permanent');
    expect(stored).toMatchObject({
      enabled: true,
      effect_time: '2025-01-01 00:00:00',
      expire_time: '2030-01-01 00:00:00',
    });
  });

  it('reports a close that failed half-way as retryable, and a retry completes it without redoing the first half', async () => {
    // Prepare: the expiry goes through, then the platform refuses the disable with a code that is permanent
    // on its own.
    const stored = startingAt('2025-01-01 00:00:00');
    const id = String(stored.partner_id);
    sim.inject({ operation: 'setAccountStatus', fault: { kind: 'vendor-error', code: '2003' } });

    // Act
    const error = await rejection(client.close(id));
    const halfWay = { ...stored };
    sim.calls.length = 0;
    clock.at += 5_000;
    const retried = await client.close(id);

    // Assess
    expect(error).toMatchObject({ operation: 'setAccountStatus', outcomeUnknown: true });
    expect(error.cause).toMatchObject({ code: '2003' });
    expect(classifyFailure(error)).toBe('retryable');
    expect(halfWay).toMatchObject({ enabled: true, expire_time: '2024-05-01 08:00:00' });
    expect(retried).toEqual({ outcome: 'applied' });
    expect(ops(sim)).toEqual(['getAccountInfo', 'setAccountStatus']);
    expect(stored).toMatchObject({
      enabled: false,
      effect_time: '2024-05-01 07:59:59',
      expire_time: '2024-05-01 08:00:00',
    });
  });
});

describe('Baijiayun client telling an unknown partner id from an unknown sub-account (both 2001)', () => {
  let sim: BaijiayunSimulator;
  let client: BaijiayunClient;
  let wrongPartner: BaijiayunClient;
  beforeAll(async () => {
    sim = await startSim();
    client = clientFor(sim, {}, { readRetries: 0 });
    wrongPartner = clientFor(sim, { partnerId: '99999999' }, { readRetries: 0 });
  });
  afterEach(() => {
    sim.reset();
    clock.at = START;
  });
  afterAll(() => sim.close());

  it('refuses to read a sub-account with a wrong partner id, naming the partner id, instead of answering none', async () => {
    // Prepare
    seed(sim, 1);
    const id = String(sim.state.byMobile(mobileAt(0))?.partner_id);

    // Act
    const error = await rejection(wrongPartner.get(id));

    // Assess
    expect(error).toMatchObject({ code: '2001', category: 'authentication' });
    expect(error.message).toContain('partner_id 99999999');
    expect(classifyFailure(error)).toBe('permanent');
    expect(ops(sim)).toEqual(['getAccountInfo', 'getSubAccountList']);
  });

  it('never reports a close as done with a wrong partner id, and leaves the sub-account as it was', async () => {
    // Prepare
    seed(sim, 1);
    const account = sim.state.byMobile(mobileAt(0));
    const id = String(account?.partner_id);

    // Act
    const close = await rejection(wrongPartner.close(id));
    const suspend = await rejection(wrongPartner.suspend(id));

    // Assess
    expect(close).toMatchObject({ category: 'authentication' });
    expect(suspend).toMatchObject({ category: 'authentication' });
    expect(account).toMatchObject({ enabled: true, expire_time: '2030-01-01 00:00:00' });
  });

  it('reports the master account check and the list as authentication failures with a wrong partner id', async () => {
    // Act
    const info = await rejection(wrongPartner.masterAccountInfo());
    const list = await rejection(collect(wrongPartner.list()));

    // Assess
    expect(info).toMatchObject({ code: '2001', category: 'authentication' });
    expect(list).toMatchObject({ code: '2001', category: 'authentication' });
  });

  it('answers none for an unknown sub-account once a list call proved the partner id works', async () => {
    // Act
    const missing = await client.get('11111111');
    const closeError = await rejection(client.close('11111111'));

    // Assess
    expect(missing).toBeUndefined();
    expect(closeError).toMatchObject({ code: '2001', category: 'not-found' });
    expect(ops(sim)).toEqual(['getAccountInfo', 'getSubAccountList', 'getAccountInfo', 'getSubAccountList']);
  });

  it('does not conclude anything when the proof itself fails transiently: the error stays retryable', async () => {
    // Prepare
    sim.inject({ operation: 'getSubAccountList', fault: { kind: 'http-error', status: 503 } });

    // Act
    const error = await rejection(client.get('11111111'));

    // Assess
    expect(error).toMatchObject({ category: 'server', operation: 'getSubAccountList' });
    expect(classifyFailure(error)).toBe('retryable');
  });
});

describe('Baijiayun client on recorded 2001 answers', () => {
  it('reads 2001 to every call, the list included, as a wrong partner id, never as a missing sub-account', async () => {
    // Prepare
    const recorded = readFileSync(new URL('../../../fixtures/baijiayun/error-2001.json', import.meta.url));
    const asked: string[] = [];
    const fetch = async (input: string | URL | Request) => {
      asked.push(String(input).split('/').at(-1) ?? '');
      return new Response(recorded, { headers: { 'content-type': 'application/json' } });
    };
    const client = createBaijiayunClient(
      {
        baseUrl: 'http://127.0.0.1:9',
        partnerId: PARTNER_ID,
        partnerKey: new Secret(PARTNER_KEY),
        timeoutMs: 2_000,
        rateLimitRequests: 180,
      },
      { fetch, now, limiter: unlimited(), readRetries: 0 },
    );

    // Act
    const got = await rejection(client.get('87434923'));
    const closed = await rejection(client.close('87434923'));

    // Assess
    expect(got).toMatchObject({ code: '2001', category: 'authentication' });
    expect(got.message).toContain(`partner_id ${PARTNER_ID}`);
    expect(closed).toMatchObject({ code: '2001', category: 'authentication' });
    expect(asked).toEqual(['getAccountInfo', 'getSubAccountList', 'getAccountInfo', 'getSubAccountList']);
  });
});

describe('Baijiayun client on a platform that refuses a page_size over its maximum', () => {
  let sim: BaijiayunSimulator;
  let client: BaijiayunClient;
  beforeAll(async () => {
    sim = await startSim({ maxPageSize: 20, overMaxPageSize: 'refuse' });
    client = clientFor(sim, {}, { readRetries: 0 });
  });
  afterEach(() => {
    sim.reset();
    clock.at = START;
  });
  afterAll(() => sim.close());

  const sizesAsked = () =>
    sim.calls.filter((call) => call.operation === 'getSubAccountList').map((call) => call.fields.page_size);

  it('lists every account with the server default after one refusal', async () => {
    // Prepare
    seed(sim, 250);

    // Act
    const accounts = await collect(client.list());

    // Assess
    expect(accounts.map((a) => a.naturalKey)).toEqual(Array.from({ length: 250 }, (_, i) => mobileAt(i)));
    // Refused once; the second pass (stopped accounts, none here) asks for the server default at once.
    expect(sizesAsked()).toEqual(['100', ...Array.from({ length: 14 }, () => undefined)]);
    expect(pagesAsked(sim)).toEqual([1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 1]);
  });

  it('finds an account by mobile with the server default after one refusal', async () => {
    // Prepare
    seed(sim, 250);

    // Act
    const found = await client.findByNaturalKey(mobileAt(245));

    // Assess
    expect(found?.naturalKey).toBe(mobileAt(245));
    expect(sizesAsked()).toEqual(['100', undefined, undefined]);
    expect(pagesAsked(sim)).toEqual([1, 1, 13]);
  });

  it('keeps a page size the platform accepts', async () => {
    // Prepare
    seed(sim, 30);

    // Act
    const accounts = await collect(client.list({ pageSize: 15 }));

    // Assess
    expect(accounts).toHaveLength(30);
    expect(sizesAsked()).toEqual(['15', '15', '15']);
  });
});

describe('Baijiayun client when refusals come with HTTP 500', () => {
  let sim: BaijiayunSimulator;
  beforeAll(async () => {
    sim = await startSim({ errorHttpStatus: 500 });
  });
  afterEach(() => {
    sim.reset();
    clock.at = START;
  });
  afterAll(() => sim.close());

  it('reads the code of the body: a rejected signature on a mutation is permanent, not an unknown outcome', async () => {
    // Prepare
    const badKey = clientFor(sim, { partnerKey: new Secret('not-the-key') }, { readRetries: 2 });

    // Act
    const write = await rejection(badKey.suspend('12345678'));
    const read = await rejection(badKey.get('12345678'));

    // Assess
    expect(write).toMatchObject({ code: '1002', category: 'authentication', outcomeUnknown: false });
    expect(read).toMatchObject({ code: '1002', category: 'authentication' });
    expect(classifyFailure(write)).toBe('permanent');
    expect(ops(sim)).toEqual(['setAccountStatus', 'getAccountInfo']);
  });

  it('reads a parameter error as invalid-request and an unknown sub-account as none', async () => {
    // Prepare
    const client = clientFor(sim, {}, { readRetries: 2 });
    sim.inject({ operation: 'setCreditMoney', fault: { kind: 'vendor-error', code: '1001' } });

    // Act
    const refused = await rejection(client.setCreditMoney({ sub_partner_id: '12345678', credit_money: 1 }));
    const missing = await client.get('12345678');

    // Assess
    expect(refused).toMatchObject({ code: '1001', category: 'invalid-request', outcomeUnknown: false });
    expect(missing).toBeUndefined();
    expect(ops(sim)).toEqual(['setCreditMoney', 'getAccountInfo', 'getSubAccountList']);
  });

  it('keeps a 500 without a readable body a server error with an unknown outcome', async () => {
    // Prepare
    const client = clientFor(sim, {}, { readRetries: 0 });
    sim.inject({ operation: 'setAccountStatus', fault: { kind: 'http-error', status: 500 } });

    // Act
    const error = await rejection(client.resume('12345678'));

    // Assess
    expect(error).toMatchObject({ category: 'server', code: 'HTTP 500', outcomeUnknown: true });
  });
});

describe('Baijiayun client reading lists with odd entries', () => {
  it('finds a mobile on a page that also holds an entry without one, keyed by index', async () => {
    // Prepare
    const body = JSON.stringify({
      code: 0,
      data: {
        total: 2,
        list: {
          '0': {
            partner_id: 11111111,
            email: 'nomobile@example.com',
            product_status: { video_status: '1.0' },
          },
          '1': { partner_id: 22222222, mobile: '13900000002' },
        },
      },
      msg: '',
      ts: 1,
    });
    const fetch = async () => new Response(body, { headers: { 'content-type': 'application/json' } });
    const client = createBaijiayunClient(
      {
        baseUrl: 'http://127.0.0.1:9',
        partnerId: PARTNER_ID,
        partnerKey: new Secret(PARTNER_KEY),
        timeoutMs: 2_000,
        rateLimitRequests: 180,
      },
      { fetch, now, limiter: unlimited(), readRetries: 0 },
    );

    // Act
    const found = await client.findByNaturalKey('13900000002');
    const listed = await collect(client.list());

    // Assess
    expect(found?.id).toBe('22222222');
    expect(listed.map((a) => [a.id, a.naturalKey])).toEqual([
      ['11111111', ''],
      ['22222222', '13900000002'],
    ]);
    expect(listed[0]?.details.video_status).toBe('1.0');
  });
});
