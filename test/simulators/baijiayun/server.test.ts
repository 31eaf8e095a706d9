import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type BaijiayunSimulatorOptions,
  startBaijiayunSimulator,
} from '../../../simulators/baijiayun/server.ts';

const PARTNER_ID = '20000001';
const PARTNER_KEY = 'sim-partner-key/+=';

/** Signs the way the vendor document says, written here again so the simulator is checked independently. */
function signed(fields: Record<string, string>, key = PARTNER_KEY): Record<string, string> {
  const text = Object.keys(fields)
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
  return { ...fields, sign: createHash('md5').update(`${text}&partner_key=${key}`, 'utf8').digest('hex') };
}

interface PostOptions {
  readonly key?: string;
  readonly timestamp?: string;
  readonly contentType?: string;
  readonly method?: string;
  readonly partnerId?: string;
  /** Fields added after signing. */
  readonly unsigned?: Record<string, string>;
}

interface Reply {
  readonly status: number;
  readonly body: { code: number; msg: string; data: unknown; ts: number };
  readonly raw: string;
}

function clock(start = '2024-05-01T00:00:00Z') {
  let at = new Date(start).getTime();
  return {
    now: () => new Date(at),
    seconds: () => String(Math.floor(at / 1000)),
    advance: (ms: number) => {
      at += ms;
    },
  };
}

async function start(extra: Partial<BaijiayunSimulatorOptions> = {}) {
  const time = clock();
  const sim = await startBaijiayunSimulator({
    partnerId: PARTNER_ID,
    partnerKey: PARTNER_KEY,
    now: time.now,
    rateLimit: false,
    ...extra,
  });
  async function post(
    endpoint: string,
    fields: Record<string, string>,
    options: PostOptions = {},
  ): Promise<Reply> {
    const all = signed(
      {
        partner_id: options.partnerId ?? PARTNER_ID,
        timestamp: options.timestamp ?? time.seconds(),
        ...fields,
      },
      options.key,
    );
    const response = await fetch(`${sim.baseUrl}/openapi/new_sub/${endpoint}`, {
      method: options.method ?? 'POST',
      headers: { 'Content-Type': options.contentType ?? 'application/x-www-form-urlencoded' },
      body:
        options.method === 'GET'
          ? undefined
          : new URLSearchParams({ ...all, ...options.unsigned }).toString(),
    });
    const raw = await response.text();
    return { status: response.status, body: JSON.parse(raw), raw };
  }
  /** Posts a body exactly as given (already signed), for what `post` cannot express. */
  async function postRaw(
    endpoint: string,
    body: string | Uint8Array,
    options: { query?: string } = {},
  ): Promise<Reply> {
    const query = options.query === undefined ? '' : `?${options.query}`;
    const response = await fetch(`${sim.baseUrl}/openapi/new_sub/${endpoint}${query}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
    });
    const raw = await response.text();
    return { status: response.status, body: JSON.parse(raw), raw };
  }
  return { sim, time, post, postRaw };
}

const NEW_ACCOUNT = {
  mobile: '13800000001',
  email: 'a@example.com',
  password: 'secret123',
  effect_time: '2024-01-01 00:00:00',
  expire_time: '2030-01-01 00:00:00',
};

describe('Baijiayun simulator strictness', () => {
  let ctx: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    ctx = await start();
  });
  afterEach(() => ctx.sim.reset());
  afterAll(() => ctx.sim.close());

  it('answers an unknown path with code 404', async () => {
    // Act
    const reply = await ctx.post('getEverything', {});

    // Assess
    expect(reply.status).toBe(404);
    expect(reply.body).toMatchObject({ code: 404, data: null });
  });

  it('refuses a method other than POST', async () => {
    // Act
    const reply = await ctx.post('getSubAccountList', {}, { method: 'GET' });

    // Assess
    expect(reply.body.code).toBe(1001);
  });

  it('refuses a JSON content type even with valid fields', async () => {
    // Act
    const reply = await ctx.post('getSubAccountList', {}, { contentType: 'application/json' });

    // Assess
    expect(reply.body.code).toBe(1001);
  });

  it('accepts the form content type with a UTF-8 charset parameter', async () => {
    // Act
    const reply = await ctx.post(
      'getSubAccountList',
      {},
      { contentType: 'application/x-www-form-urlencoded; charset=UTF-8' },
    );

    // Assess
    expect(reply.body.code).toBe(0);
  });

  it('answers an unknown partner id with 2001 账号不存在, the very answer of an unknown sub-account', async () => {
    // Act
    const unknownPartner = await ctx.post('getSubAccountList', {}, { partnerId: '99999999' });
    const unknownSub = await ctx.post('getAccountInfo', { sub_partner_id: '11111111' });

    // Assess
    expect(unknownPartner.body).toMatchObject({ code: 2001, msg: '账号不存在', data: null });
    expect(unknownPartner.body).toMatchObject({ code: unknownSub.body.code, msg: unknownSub.body.msg });
  });

  it('refuses a repeated sign field with 1001, even when both copies are the right sign', async () => {
    // Prepare
    const fields = signed({ partner_id: PARTNER_ID, timestamp: ctx.time.seconds() });
    const body = `${new URLSearchParams(fields).toString()}&sign=${fields.sign}`;

    // Act
    const reply = await ctx.postRaw('getSubAccountList', body);

    // Assess
    expect(reply.body.code).toBe(1001);
  });

  it('refuses parameters sent in the query string instead of the form body with 1001', async () => {
    // Prepare
    const fields = signed({ partner_id: PARTNER_ID, timestamp: ctx.time.seconds() });

    // Act
    const reply = await ctx.postRaw('getSubAccountList', new URLSearchParams(fields).toString(), {
      query: 'status=1',
    });

    // Assess
    expect(reply.body.code).toBe(1001);
  });

  it('refuses a content type with a charset other than UTF-8', async () => {
    // Act
    const reply = await ctx.post(
      'getSubAccountList',
      {},
      { contentType: 'application/x-www-form-urlencoded; charset=GBK' },
    );

    // Assess
    expect(reply.body.code).toBe(1001);
  });

  it('refuses a form whose bytes, raw or percent-encoded, are not UTF-8 with 1001 and stores nothing', async () => {
    // Prepare: 张 in GBK is D5 C5, which is not UTF-8.
    const fields = signed({ partner_id: PARTNER_ID, timestamp: ctx.time.seconds(), ...NEW_ACCOUNT });
    const body = `${new URLSearchParams(fields).toString()}&contacts=%D5%C5`;
    const rawBytes = Buffer.concat([
      Buffer.from(`${new URLSearchParams(fields).toString()}&contacts=`),
      Buffer.from([0xd5, 0xc5]),
    ]);

    // Act
    const reply = await ctx.postRaw('addSubAccount', body);
    const rawReply = await ctx.postRaw('addSubAccount', rawBytes);

    // Assess
    expect(reply.body.code).toBe(1001);
    expect(rawReply.body.code).toBe(1001);
    expect(ctx.sim.state.accounts.size).toBe(0);
  });

  it('refuses an unknown field on every endpoint, not only on addSubAccount', async () => {
    // Prepare
    const account = ctx.sim.state.add(NEW_ACCOUNT);
    const id = String(account.partner_id);

    // Act
    const list = await ctx.post('getSubAccountList', { keyword: 'x' });
    const info = await ctx.post('getAccountInfo', { sub_partner_id: id, with_keys: '1' });
    const update = await ctx.post('updateSubAccount', { sub_partner_id: id, nickname: 'x' });
    const status = await ctx.post('setAccountStatus', { sub_partner_id: id, status: '0', reason: 'x' });

    // Assess
    expect([list, info, update, status].map((reply) => reply.body.code)).toEqual([1001, 1001, 1001, 1001]);
    expect(account).toMatchObject({ enabled: true, contacts: '' });
  });

  it('refuses a signature made with another key, or over other fields, with 1002', async () => {
    // Act
    const wrongKey = await ctx.post('getSubAccountList', {}, { key: 'other' });
    const extraField = await ctx.post('getSubAccountList', {}, { unsigned: { status: '1' } });

    // Assess
    expect(wrongKey.body.code).toBe(1002);
    expect(extraField.body.code).toBe(1002);
  });

  it('refuses a timestamp outside the window or not of 10 digits with code 1 and a timestamp message', async () => {
    // Prepare
    const stale = String(Number(ctx.time.seconds()) - 301);
    const edge = String(Number(ctx.time.seconds()) + 300);

    // Act
    const tooOld = await ctx.post('getSubAccountList', {}, { timestamp: stale });
    const inMs = await ctx.post('getSubAccountList', {}, { timestamp: `${ctx.time.seconds()}000` });
    const atEdge = await ctx.post('getSubAccountList', {}, { timestamp: edge });

    // Assess
    expect(tooOld.body.code).toBe(1);
    expect(tooOld.body.msg).toContain('时间戳');
    expect(inMs.body.code).toBe(1);
    expect(atEdge.body.code).toBe(0);
  });

  it.each([
    ['a missing required field', { ...NEW_ACCOUNT, email: undefined }],
    ['a non-integer int field', { ...NEW_ACCOUNT, flow: '1.5' }],
    ['an empty int field', { ...NEW_ACCOUNT, credit_money: '' }],
    ['a status outside 0/1', { ...NEW_ACCOUNT, video_status: '2' }],
    ['a time in another format', { ...NEW_ACCOUNT, effect_time: '2024-01-01T00:00:00' }],
    ['an impossible date', { ...NEW_ACCOUNT, expire_time: '2030-02-30 00:00:00' }],
    ['an unknown field', { ...NEW_ACCOUNT, nickname: 'x' }],
    ['a malformed mobile', { ...NEW_ACCOUNT, mobile: '12345' }],
  ])('refuses addSubAccount with %s (1001) and stores nothing', async (_name, fields) => {
    // Prepare
    const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >;

    // Act
    const reply = await ctx.post('addSubAccount', defined);

    // Assess
    expect(reply.body.code).toBe(1001);
    expect(ctx.sim.state.accounts.size).toBe(0);
  });

  it('answers in the documented envelope order with its own clock as ts', async () => {
    // Act
    const reply = await ctx.post('setCreditMoney', { sub_partner_id: '12345678', credit_money: '1' });

    // Assess
    expect(Object.keys(reply.body)).toEqual(['code', 'data', 'msg', 'ts']);
    expect(reply.body.ts).toBe(Number(ctx.time.seconds()));
    expect(reply.body.code).toBe(2001);
  });
});

describe('Baijiayun simulator state', () => {
  let ctx: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    ctx = await start({ maxPageSize: 7 });
  });
  afterEach(() => ctx.sim.reset());
  afterAll(() => ctx.sim.close());

  it('creates an account with an 8-digit string id and shows it flat with its keys', async () => {
    // Act
    const added = await ctx.post('addSubAccount', { ...NEW_ACCOUNT, business_status: '1', flow: '5' });
    const id = (added.body.data as { partner_id: unknown }).partner_id;
    const info = await ctx.post('getAccountInfo', { sub_partner_id: String(id) });

    // Assess
    expect(added.body).toMatchObject({ code: 0, msg: '' });
    expect(id).toMatch(/^\d{8}$/);
    const data = info.body.data as Record<string, unknown>;
    expect(data).toMatchObject({ mobile: '13800000001', password: 'secret123', business_status: 1, flow: 5 });
    expect(Object.keys(data)).toEqual(
      expect.arrayContaining([
        'partner_key',
        'secret_key',
        'private_domain',
        'large_class_user_limit',
        'video_status',
      ]),
    );
    expect(data.product_status).toBeUndefined();
  });

  it('refuses an email another account already uses with code 1, on add and on update', async () => {
    // Prepare
    const holder = ctx.sim.state.add(NEW_ACCOUNT);
    const other = ctx.sim.state.add({ ...NEW_ACCOUNT, mobile: '13800000002', email: 'b@example.com' });

    // Act
    const add = await ctx.post('addSubAccount', { ...NEW_ACCOUNT, mobile: '13800000003' });
    const update = await ctx.post('updateSubAccount', {
      sub_partner_id: String(other.partner_id),
      email: holder.email,
    });
    const own = await ctx.post('updateSubAccount', {
      sub_partner_id: String(holder.partner_id),
      email: holder.email,
    });

    // Assess
    expect(add.body).toMatchObject({ code: 1, msg: '邮箱已存在', data: null });
    expect(update.body).toMatchObject({ code: 1, msg: '邮箱已存在', data: null });
    expect(own.body.code).toBe(0);
    expect(ctx.sim.state.accounts.size).toBe(2);
    expect(other.email).toBe('b@example.com');
  });

  it('refuses an expire_time equal to the effect_time (it must be strictly after), on add and on update', async () => {
    // Prepare
    const account = ctx.sim.state.add({ ...NEW_ACCOUNT, mobile: '13900000009' });
    const id = String(account.partner_id);

    // Act
    const add = await ctx.post('addSubAccount', {
      ...NEW_ACCOUNT,
      effect_time: '2024-06-01 00:00:00',
      expire_time: '2024-06-01 00:00:00',
    });
    const both = await ctx.post('updateSubAccount', {
      sub_partner_id: id,
      effect_time: '2024-05-01 08:00:00',
      expire_time: '2024-05-01 08:00:00',
    });
    const againstStored = await ctx.post('updateSubAccount', {
      sub_partner_id: id,
      expire_time: NEW_ACCOUNT.effect_time,
    });
    const oneSecondAfter = await ctx.post('updateSubAccount', {
      sub_partner_id: id,
      effect_time: '2024-05-01 07:59:59',
      expire_time: '2024-05-01 08:00:00',
    });

    // Assess
    expect(add.body).toMatchObject({ code: 1001, data: null });
    expect(both.body.code).toBe(1001);
    expect(againstStored.body.code).toBe(1001);
    expect(oneSecondAfter.body.code).toBe(0);
    expect(ctx.sim.state.accounts.size).toBe(1);
  });

  it('refuses a second account with the same mobile with code 1', async () => {
    // Prepare
    await ctx.post('addSubAccount', NEW_ACCOUNT);

    // Act
    const reply = await ctx.post('addSubAccount', { ...NEW_ACCOUNT, email: 'b@example.com' });

    // Assess
    expect(reply.body).toMatchObject({ code: 1, msg: '手机号已存在', data: null });
    expect(ctx.sim.state.accounts.size).toBe(1);
  });

  it('lists in the documented shape, caps the page size silently and pages in creation order', async () => {
    // Prepare
    const mobiles = Array.from({ length: 10 }, (_, i) => `1390000000${i}`);
    for (const mobile of mobiles)
      ctx.sim.state.add({ ...NEW_ACCOUNT, mobile, email: `${mobile}@example.com` });

    // Act
    const first = await ctx.post('getSubAccountList', { page: '1', page_size: '100' });
    const second = await ctx.post('getSubAccountList', { page: '2', page_size: '100' });
    const beyond = await ctx.post('getSubAccountList', { page: '3', page_size: '100' });

    // Assess
    const data = first.body.data as { total: number; list: Record<string, unknown>[] };
    expect(data.total).toBe(10);
    expect(data.list).toHaveLength(7);
    expect(Object.keys(data.list[0] ?? {})).toEqual([
      'company',
      'partner_id',
      'email',
      'mobile',
      'contacts',
      'effect_time',
      'expire_time',
      'product_status',
    ]);
    expect(typeof data.list[0]?.partner_id).toBe('number');
    const secondList = (second.body.data as { list: { mobile: string }[] }).list;
    expect([...data.list, ...secondList].map((a) => a.mobile)).toEqual(mobiles);
    expect((beyond.body.data as { list: unknown[] }).list).toEqual([]);
  });

  it('refuses an expire_time before the effect_time on add, and on update against the stored times', async () => {
    // Prepare
    const account = ctx.sim.state.add({ ...NEW_ACCOUNT, mobile: '13900000009' });
    const id = String(account.partner_id);

    // Act
    const add = await ctx.post('addSubAccount', {
      ...NEW_ACCOUNT,
      effect_time: '2024-06-01 00:00:00',
      expire_time: '2024-05-31 23:59:59',
    });
    const expireOnly = await ctx.post('updateSubAccount', {
      sub_partner_id: id,
      expire_time: '2023-12-31 23:59:59',
    });
    const effectOnly = await ctx.post('updateSubAccount', {
      sub_partner_id: id,
      effect_time: '2030-01-01 00:00:01',
    });
    const both = await ctx.post('updateSubAccount', {
      sub_partner_id: id,
      effect_time: '2023-01-01 00:00:00',
      expire_time: '2023-01-01 00:00:01',
    });

    // Assess
    expect(add.body).toMatchObject({ code: 1001, data: null });
    expect(expireOnly.body.code).toBe(1001);
    expect(effectOnly.body.code).toBe(1001);
    expect(both.body.code).toBe(0);
    expect(ctx.sim.state.accounts.size).toBe(1);
    expect(account).toMatchObject({ effect_time: '2023-01-01 00:00:00', expire_time: '2023-01-01 00:00:01' });
  });

  it('filters by status: disabled and expired accounts are "stopped", the rest "in use"', async () => {
    // Prepare
    const active = ctx.sim.state.add({
      ...NEW_ACCOUNT,
      mobile: '13900000001',
      email: '13900000001@example.com',
    });
    const disabled = ctx.sim.state.add({
      ...NEW_ACCOUNT,
      mobile: '13900000002',
      email: '13900000002@example.com',
    });
    ctx.sim.state.add({
      ...NEW_ACCOUNT,
      mobile: '13900000003',
      email: '13900000003@example.com',
      expire_time: '2024-04-30 23:59:59',
    });
    await ctx.post('setAccountStatus', { sub_partner_id: String(disabled.partner_id), status: '0' });

    // Act
    const inUse = await ctx.post('getSubAccountList', { status: '1' });
    const stopped = await ctx.post('getSubAccountList', { status: '2' });

    // Assess
    const mobilesOf = (reply: Reply) =>
      (reply.body.data as { list: { mobile: string }[] }).list.map((a) => a.mobile);
    expect(mobilesOf(inUse)).toEqual([active.mobile]);
    expect(mobilesOf(stopped)).toEqual(['13900000002', '13900000003']);
  });

  it('sets live lines, video, credit and profile, and refuses a limit change on a line that is not open', async () => {
    // Prepare
    const account = ctx.sim.state.add(NEW_ACCOUNT);
    const id = String(account.partner_id);

    // Act
    const closedLine = await ctx.post('setLiveAccount', {
      sub_partner_id: id,
      product_type: '4',
      user_limit: '1',
      max_user_limit: '2',
    });
    const live = await ctx.post('setLiveAccount', {
      sub_partner_id: id,
      product_type: '1',
      user_limit: '10',
      max_user_limit: '20',
      status: '1',
      live_max_speakers: '6',
    });
    await ctx.post('setVideoAccount', {
      sub_partner_id: id,
      flow: '1',
      max_flow: '2',
      storage_limit: '3',
      max_storage_limit: '4',
      status: '1',
    });
    await ctx.post('setCreditMoney', { sub_partner_id: id, credit_money: '500' });
    await ctx.post('updateSubAccount', {
      sub_partner_id: id,
      company: '新公司',
      expire_time: '2031-01-01 00:00:00',
    });

    // Assess
    expect(closedLine.body.code).toBe(2003);
    expect(live.body.code).toBe(0);
    expect(account).toMatchObject({
      large_class_status: 1,
      large_class_user_limit: 10,
      large_class_max_user_limit: 20,
      large_class_live_max_speakers: 6,
      business_status: 0,
      video_status: 1,
      max_storage_limit: 4,
      credit_money: 500,
      company: '新公司',
      expire_time: '2031-01-01 00:00:00',
    });
  });

  it('answers 2001 for an unknown sub-account', async () => {
    // Act
    const reply = await ctx.post('getAccountInfo', { sub_partner_id: '11111111' });

    // Assess
    expect(reply.body).toMatchObject({ code: 2001, data: null });
  });
});

describe('Baijiayun simulator options for what the document leaves open', () => {
  it('refuses a page_size over its maximum with 1001 when told to, and serves its default without one', async () => {
    // Prepare
    const ctx = await start({ maxPageSize: 5, overMaxPageSize: 'refuse', defaultPageSize: 3 });
    for (let i = 0; i < 8; i++)
      ctx.sim.state.add({ ...NEW_ACCOUNT, mobile: `1390000000${i}`, email: `u${i}@example.com` });

    try {
      // Act
      const over = await ctx.post('getSubAccountList', { page: '1', page_size: '6' });
      const max = await ctx.post('getSubAccountList', { page: '1', page_size: '5' });
      const unsized = await ctx.post('getSubAccountList', { page: '1' });

      // Assess
      expect(over.body).toMatchObject({ code: 1001, data: null });
      expect((max.body.data as { list: unknown[] }).list).toHaveLength(5);
      expect((unsized.body.data as { list: unknown[] }).list).toHaveLength(3);
    } finally {
      await ctx.sim.close();
    }
  });

  it('sends refusals with the configured HTTP status, successes with 200', async () => {
    // Prepare
    const ctx = await start({ errorHttpStatus: 500 });
    ctx.sim.inject({ operation: 'setCreditMoney', fault: { kind: 'vendor-error', code: '2001' } });

    try {
      // Act
      const badSign = await ctx.post('getSubAccountList', {}, { key: 'other-key' });
      const injected = await ctx.post('setCreditMoney', { sub_partner_id: '12345678', credit_money: '1' });
      const fine = await ctx.post('getSubAccountList', {});
      const lost = await ctx.post('getEverything', {});

      // Assess
      expect([badSign.status, badSign.body.code]).toEqual([500, 1002]);
      expect([injected.status, injected.body.code]).toEqual([500, 2001]);
      expect([fine.status, fine.body.code]).toEqual([200, 0]);
      expect([lost.status, lost.body.code]).toEqual([404, 404]);
    } finally {
      await ctx.sim.close();
    }
  });
});

describe('Baijiayun simulator rate limit and faults', () => {
  it('limits requests per partner over a sliding window and answers code 1 by default', async () => {
    // Prepare
    const ctx = await start({ rateLimit: { requests: 3, windowMs: 10_000 } });
    try {
      const codes: number[] = [];

      // Act
      for (let i = 0; i < 4; i++) codes.push((await ctx.post('getSubAccountList', {})).body.code);
      const limited = await ctx.post('getSubAccountList', {});
      ctx.time.advance(10_000);
      const later = await ctx.post('getSubAccountList', {});

      // Assess
      expect(codes).toEqual([0, 0, 0, 1]);
      expect(limited.status).toBe(200);
      expect(limited.body).toMatchObject({ code: 1, msg: '请求过于频繁，请稍后再试', data: null });
      expect(later.body.code).toBe(0);
    } finally {
      await ctx.sim.close();
    }
  });

  it('admits 200 requests of a partner in 10 s by default, refuses the 201st, and admits again once the window slides', async () => {
    // Prepare
    const ctx = await start({ rateLimit: undefined });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 200; i++) {
        codes.push((await ctx.post('getSubAccountList', {})).body.code);
        ctx.time.advance(49);
      }

      // Act
      const refused = await ctx.post('getSubAccountList', {});
      ctx.time.advance(10_000 - 200 * 49);
      const admitted = await ctx.post('getSubAccountList', {});

      // Assess
      expect(codes.every((code) => code === 0)).toBe(true);
      expect(refused.body).toMatchObject({ code: 1, msg: '请求过于频繁，请稍后再试', data: null });
      expect(admitted.body.code).toBe(0);
    } finally {
      await ctx.sim.close();
    }
  });

  it('answers over-limit requests with HTTP 429 when told to', async () => {
    // Prepare
    const ctx = await start({ rateLimit: { requests: 1, windowMs: 10_000 }, rateLimitAnswer: 'http-429' });
    try {
      await ctx.post('getSubAccountList', {});

      // Act
      const reply = await ctx.post('getSubAccountList', {});

      // Assess
      expect(reply.status).toBe(429);
    } finally {
      await ctx.sim.close();
    }
  });

  it('injects vendor errors, HTTP errors and rate limits for the named operation only', async () => {
    // Prepare
    const ctx = await start();
    try {
      ctx.sim.inject({ operation: 'getAccountInfo', fault: { kind: 'vendor-error', code: '2003' } });
      ctx.sim.inject({ operation: 'setCreditMoney', fault: { kind: 'http-error', status: 503 } });
      ctx.sim.inject({ operation: 'addSubAccount', fault: { kind: 'rate-limit' } });

      // Act
      const list = await ctx.post('getSubAccountList', {});
      const info = await ctx.post('getAccountInfo', { sub_partner_id: '12345678' });
      const credit = await fetch(`${ctx.sim.baseUrl}/openapi/new_sub/setCreditMoney`, { method: 'POST' });
      const add = await ctx.post('addSubAccount', NEW_ACCOUNT);

      // Assess
      expect(list.body.code).toBe(0);
      expect(info.body.code).toBe(2003);
      expect(credit.status).toBe(503);
      expect(add.body.code).toBe(1);
      expect(ctx.sim.state.accounts.size).toBe(0);
    } finally {
      await ctx.sim.close();
    }
  });

  it('commits then drops the connection on drop-after-commit', async () => {
    // Prepare
    const ctx = await start();
    try {
      ctx.sim.inject({ operation: 'addSubAccount', fault: { kind: 'drop-after-commit' } });

      // Act
      const outcome = await ctx.post('addSubAccount', NEW_ACCOUNT).then(
        () => 'answered',
        () => 'dropped',
      );

      // Assess
      expect(outcome).toBe('dropped');
      expect(ctx.sim.state.byMobile(NEW_ACCOUNT.mobile)).toBeDefined();
    } finally {
      await ctx.sim.close();
    }
  });

  it('never answers a hung call, commits nothing, and still closes', async () => {
    // Prepare
    const ctx = await start();
    ctx.sim.inject({ operation: 'addSubAccount', fault: { kind: 'hang' } });
    const body = new URLSearchParams(
      signed({ partner_id: PARTNER_ID, timestamp: ctx.time.seconds(), ...NEW_ACCOUNT }),
    ).toString();

    // Act
    const outcome = await fetch(`${ctx.sim.baseUrl}/openapi/new_sub/addSubAccount`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
      signal: AbortSignal.timeout(200),
    }).then(
      () => 'answered',
      (error: unknown) => (error instanceof Error ? error.name : 'other'),
    );
    await ctx.sim.close();

    // Assess
    expect(outcome).toBe('TimeoutError');
    expect(ctx.sim.state.accounts.size).toBe(0);
  });

  it('takes faults, resets and dumps state over its control endpoints', async () => {
    // Prepare
    const ctx = await start();
    try {
      ctx.sim.state.add(NEW_ACCOUNT);

      // Act
      const injected = await fetch(`${ctx.sim.url}/__sim/faults`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          operation: 'getSubAccountList',
          fault: { kind: 'vendor-error', code: '1001' },
        }),
      });
      const faulted = await ctx.post('getSubAccountList', {});
      const dump = (await (await fetch(`${ctx.sim.url}/__sim/state`)).json()) as {
        accounts: { mobile: string }[];
      };
      const rejected = await fetch(`${ctx.sim.url}/__sim/faults`, {
        method: 'POST',
        body: '{"fault":{"kind":"x"}}',
      });
      await fetch(`${ctx.sim.url}/__sim/reset`, { method: 'POST' });

      // Assess
      expect(injected.status).toBe(200);
      expect(faulted.body.code).toBe(1001);
      expect(dump.accounts.map((a) => a.mobile)).toEqual([NEW_ACCOUNT.mobile]);
      expect(rejected.status).toBe(400);
      expect(ctx.sim.state.accounts.size).toBe(0);
      expect(ctx.sim.calls).toEqual([]);
    } finally {
      await ctx.sim.close();
    }
  });
});
