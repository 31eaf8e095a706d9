import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseChinaDateTime } from '../../shared/platforms/china-time.ts';
import { DuplicateMobileError } from '../errors.ts';
import { type Fault, FaultQueue, type FaultRule } from '../faults.ts';
import { ENDPOINT_FIELDS, fieldProblem, isEndpoint, type SimEndpoint } from './endpoints.ts';
import { expectedSign } from './signing.ts';
import { BaijiayunSimulatorState, type SimAccount } from './state.ts';

export { BaijiayunSimulatorState, type NewSimAccount, type SimAccount } from './state.ts';

/** Options of {@link startBaijiayunSimulator}. */
export interface BaijiayunSimulatorOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number | undefined;
  /** The one master account it serves. */
  readonly partnerId: string;
  readonly partnerKey: string;
  /** Its clock, for the timestamp window, the rate window, expiry and `ts`. */
  readonly now?: (() => Date) | undefined;
  /** How far `timestamp` may be from its clock, either way; default 300. */
  readonly timestampWindowSeconds?: number | undefined;
  /** Sliding-window limit per partner; default 200 per 10 s like the platform; `false` turns it off. */
  readonly rateLimit?: { readonly requests: number; readonly windowMs: number } | false | undefined;
  /**
   * What an over-limit (or a `rate-limit` fault) gets: `code-1` (default) is HTTP 200 with
   * `{code:1, msg:"请求过于频繁，请稍后再试"}`; `http-429` is HTTP 429 with that body.
   */
  readonly rateLimitAnswer?: 'http-429' | 'code-1' | undefined;
  /** `page_size` when absent; default 20. */
  readonly defaultPageSize?: number | undefined;
  /** The largest `page_size` it serves; default 100. See `overMaxPageSize`. */
  readonly maxPageSize?: number | undefined;
  /**
   * What a larger `page_size` gets (the platform's maximum and behaviour are undocumented): `cap`
   * (default) serves `maxPageSize` silently, `refuse` answers 1001.
   */
  readonly overMaxPageSize?: 'cap' | 'refuse' | undefined;
  /**
   * The HTTP status of answers carrying a non-zero `code` that the platform would send with 200 (the
   * status of errors is undocumented). Default 200. Path-not-found (404) and `http-429` rate limits keep
   * their own.
   */
  readonly errorHttpStatus?: number | undefined;
}

/** One API request as received, for tests that count or inspect calls. */
export interface SimCall {
  readonly operation: SimEndpoint;
  readonly fields: Readonly<Record<string, string>>;
}

/** A running simulator. */
export interface BaijiayunSimulator {
  /** `http://127.0.0.1:{port}`. */
  readonly url: string;
  /** What the client's `baseUrl` should be (the same as `url`: paths start with `/openapi/new_sub/`). */
  readonly baseUrl: string;
  readonly state: BaijiayunSimulatorState;
  /** Every request to a known endpoint since start or the last reset, valid or not, faulted or not. */
  readonly calls: SimCall[];
  inject(rule: FaultRule): void;
  /** Forgets accounts, faults, calls and the rate window. */
  reset(): void;
  /** Stops the server, cutting hung connections. */
  close(): Promise<void>;
}

interface Answer {
  readonly httpStatus: number;
  readonly code: number;
  readonly msg: string;
  readonly data: unknown;
}

const RATE_LIMIT_MSG = '请求过于频繁，请稍后再试';
const FORM = 'application/x-www-form-urlencoded';
const MAX_BODY = 1024 * 1024;

const ok = (data: unknown = null): Answer => ({ httpStatus: 200, code: 0, msg: '', data });
const fail = (code: number, msg: string, httpStatus = 200): Answer => ({ httpStatus, code, msg, data: null });

/** Default `msg` of a `vendor-error` fault without its own message. */
const DEFAULT_MESSAGES: Readonly<Record<string, string>> = {
  '1': '操作失败',
  '404': '接口不存在',
  '1001': '参数错误',
  '1002': '签名错误',
  '2001': '账号不存在',
  '2002': '账号权限错误',
  '2003': '直播账号未开通或已停用',
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function listEntry(account: SimAccount) {
  return {
    company: account.company,
    partner_id: account.partner_id,
    email: account.email,
    mobile: account.mobile,
    contacts: account.contacts,
    effect_time: account.effect_time,
    expire_time: account.expire_time,
    product_status: {
      large_class_status: account.large_class_status,
      small_class_status: account.small_class_status,
      business_status: account.business_status,
      video_status: account.video_status,
    },
  };
}

function accountInfo(account: SimAccount) {
  return {
    partner_id: account.partner_id,
    mobile: account.mobile,
    email: account.email,
    password: account.password,
    effect_time: account.effect_time,
    expire_time: account.expire_time,
    large_class_user_limit: account.large_class_user_limit,
    large_class_max_user_limit: account.large_class_max_user_limit,
    large_class_status: account.large_class_status,
    large_class_live_max_speakers: account.large_class_live_max_speakers,
    business_live_max_speakers: account.business_live_max_speakers,
    business_user_limit: account.business_user_limit,
    business_max_user_limit: account.business_max_user_limit,
    business_status: account.business_status,
    small_class_status: account.small_class_status,
    credit_money: account.credit_money,
    flow: account.flow,
    max_flow: account.max_flow,
    storage_limit: account.storage_limit,
    max_storage_limit: account.max_storage_limit,
    company: account.company,
    contacts: account.contacts,
    video_status: account.video_status,
    partner_key: account.partner_key,
    private_domain: account.private_domain,
    secret_key: account.secret_key,
  };
}

/** The 1001 text when an account would expire before it takes effect; equal times are accepted. */
function expiresBeforeEffect(effect: string | undefined, expire: string | undefined): string | undefined {
  const from = effect === undefined ? undefined : parseChinaDateTime(effect);
  const until = expire === undefined ? undefined : parseChinaDateTime(expire);
  if (from === undefined || until === undefined || until.getTime() >= from.getTime()) return undefined;
  return 'expire_time 不能早于 effect_time';
}

/** Closing a product line that was never opened leaves it "never opened" (0); otherwise it becomes closed (2). */
const lineStatus = (current: number, requested: number): number =>
  requested === 1 ? 1 : current === 0 ? 0 : 2;

function isFault(value: unknown): value is Fault {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  if (kind === 'http-error') return typeof (value as { status?: unknown }).status === 'number';
  if (kind === 'vendor-error') return typeof (value as { code?: unknown }).code === 'string';
  return (
    kind === 'hang' || kind === 'drop-after-commit' || kind === 'commit-then-hang' || kind === 'rate-limit'
  );
}

/**
 * Starts a strict, stateful fake of the Baijiayun `openapi/new_sub` API on 127.0.0.1.
 *
 * It checks, in this order: path (`{code:404}` with HTTP 404), method (POST), content type
 * (form-urlencoded), `partner_id` (2002 when it is not the configured one), the rate window (see
 * `rateLimitAnswer`), `timestamp` (10 digits within the window, else code 1 with a timestamp message),
 * `sign` (1002), then every field of the endpoint (1001, unknown fields included), then the operation
 * itself (2001 unknown sub-account, code 1 "手机号已存在", 2003 live line not open, 1001 for an
 * `expire_time` before the `effect_time`, the stored one standing in for the one not sent). Accounts are listed in
 * creation order; status 1 ("使用中") means enabled and within `effect_time`..`expire_time`.
 */
export async function startBaijiayunSimulator(
  options: BaijiayunSimulatorOptions,
): Promise<BaijiayunSimulator> {
  const now = options.now ?? (() => new Date());
  const windowSeconds = options.timestampWindowSeconds ?? 300;
  const rateLimit = options.rateLimit === undefined ? { requests: 200, windowMs: 10_000 } : options.rateLimit;
  const rateAnswer = options.rateLimitAnswer ?? 'code-1';
  const defaultPageSize = options.defaultPageSize ?? 20;
  const maxPageSize = options.maxPageSize ?? 100;
  const overMaxPageSize = options.overMaxPageSize ?? 'cap';
  const errorHttpStatus = options.errorHttpStatus ?? 200;
  const state = new BaijiayunSimulatorState();
  const faults = new FaultQueue();
  const calls: SimCall[] = [];
  /** Admitted request times per partner, oldest first. */
  const admitted = new Map<string, number[]>();

  const rateLimited = (): Answer => fail(1, RATE_LIMIT_MSG, rateAnswer === 'http-429' ? 429 : 200);

  function overLimit(partnerId: string): boolean {
    if (rateLimit === false) return false;
    const at = now().getTime();
    const times = admitted.get(partnerId) ?? [];
    while (times.length > 0 && (times[0] ?? 0) + rateLimit.windowMs <= at) times.shift();
    admitted.set(partnerId, times);
    if (times.length >= rateLimit.requests) return true;
    times.push(at);
    return false;
  }

  function inUse(account: SimAccount): boolean {
    const at = now().getTime();
    const from = parseChinaDateTime(account.effect_time)?.getTime() ?? Number.POSITIVE_INFINITY;
    const until = parseChinaDateTime(account.expire_time)?.getTime() ?? Number.NEGATIVE_INFINITY;
    return account.enabled && from <= at && at < until;
  }

  function execute(endpoint: SimEndpoint, fields: ReadonlyMap<string, string>): Answer {
    const int = (name: string, fallback = 0) => {
      const value = fields.get(name);
      return value === undefined ? fallback : Number(value);
    };
    if (endpoint === 'getSubAccountList') {
      const status = int('status');
      const page = int('page', 1);
      const asked = int('page_size', defaultPageSize);
      if (asked > maxPageSize && overMaxPageSize === 'refuse') {
        return fail(1001, `page_size 不能大于 ${maxPageSize}`);
      }
      const size = Math.min(asked, maxPageSize);
      const matching = [...state.accounts.values()].filter(
        (account) => status === 0 || (status === 1) === inUse(account),
      );
      const list = matching.slice((page - 1) * size, page * size).map(listEntry);
      return ok({ total: matching.length, list });
    }
    if (endpoint === 'addSubAccount') {
      const backwards = expiresBeforeEffect(fields.get('effect_time'), fields.get('expire_time'));
      if (backwards) return fail(1001, backwards);
      const numbers: Partial<Record<keyof SimAccount, number>> = {};
      for (const name of Object.keys(ENDPOINT_FIELDS.addSubAccount)) {
        const value = fields.get(name);
        if (value !== undefined && /^-?\d+$/.test(value))
          (numbers as Record<string, number>)[name] = Number(value);
      }
      try {
        const account = state.add({
          ...numbers,
          mobile: fields.get('mobile') ?? '',
          email: fields.get('email') ?? '',
          password: fields.get('password') ?? '',
          effect_time: fields.get('effect_time') ?? '',
          expire_time: fields.get('expire_time') ?? '',
          company: fields.get('company') ?? '',
          contacts: fields.get('contacts') ?? '',
        });
        return ok({ partner_id: String(account.partner_id) });
      } catch (error) {
        if (error instanceof DuplicateMobileError) return fail(1, '手机号已存在');
        throw error;
      }
    }
    const account = state.byId(fields.get('sub_partner_id') ?? '');
    if (!account) return fail(2001, '账号不存在');
    switch (endpoint) {
      case 'getAccountInfo':
        return ok(accountInfo(account));
      case 'setLiveAccount': {
        const type = int('product_type');
        const line = type === 1 ? 'large_class' : type === 2 ? 'small_class' : 'business';
        const statusKey = `${line}_status` as const;
        const status = fields.get('status');
        // Limits may only change on an open line unless the same call opens or closes it.
        if (status === undefined && account[statusKey] !== 1) return fail(2003, '直播账号未开通或已停用');
        if (status !== undefined) account[statusKey] = lineStatus(account[statusKey], Number(status));
        if (line !== 'small_class') {
          account[`${line}_user_limit`] = int('user_limit');
          account[`${line}_max_user_limit`] = int('max_user_limit');
          if (fields.has('live_max_speakers'))
            account[`${line}_live_max_speakers`] = int('live_max_speakers');
        }
        return ok();
      }
      case 'setVideoAccount':
        account.flow = int('flow');
        account.max_flow = int('max_flow');
        account.storage_limit = int('storage_limit');
        account.max_storage_limit = int('max_storage_limit');
        if (fields.has('status')) account.video_status = lineStatus(account.video_status, int('status'));
        return ok();
      case 'setCreditMoney':
        account.credit_money = int('credit_money');
        return ok();
      case 'setAccountStatus':
        account.enabled = int('status') === 1;
        return ok();
      case 'updateSubAccount': {
        const mobile = fields.get('mobile');
        const holder = mobile === undefined ? undefined : state.byMobile(mobile);
        if (holder && holder !== account) return fail(1, '手机号已存在');
        const backwards = expiresBeforeEffect(
          fields.get('effect_time') ?? account.effect_time,
          fields.get('expire_time') ?? account.expire_time,
        );
        if (backwards) return fail(1001, backwards);
        for (const name of [
          'mobile',
          'email',
          'password',
          'contacts',
          'company',
          'effect_time',
          'expire_time',
        ] as const) {
          const value = fields.get(name);
          if (value !== undefined) account[name] = value;
        }
        return ok();
      }
    }
  }

  function answerApi(req: IncomingMessage, endpoint: SimEndpoint, raw: string): Answer {
    if (req.method !== 'POST') return fail(1001, '请求方式错误，仅支持 POST');
    const [mediaType = '', ...parameters] = (req.headers['content-type'] ?? '').split(';');
    const charset = parameters.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('charset='));
    if (mediaType.trim().toLowerCase() !== FORM || (charset !== undefined && charset !== 'charset=utf-8')) {
      return fail(1001, `Content-Type 必须为 ${FORM}`);
    }
    const fields = new Map<string, string>();
    for (const [key, value] of new URLSearchParams(raw)) {
      if (fields.has(key)) return fail(1001, `参数重复 ${key}`);
      fields.set(key, value);
    }
    const partnerId = fields.get('partner_id');
    if (partnerId === undefined || partnerId === '') return fail(1001, '缺少参数 partner_id');
    if (partnerId !== options.partnerId) return fail(2002, '合作方不存在或无权限');
    if (overLimit(partnerId)) return rateLimited();
    const timestamp = fields.get('timestamp') ?? '';
    if (!/^\d{10}$/.test(timestamp)) return fail(1, '时间戳格式错误');
    if (Math.abs(Math.floor(now().getTime() / 1000) - Number(timestamp)) > windowSeconds) {
      return fail(1, '时间戳已过期');
    }
    const sign = fields.get('sign');
    if (sign === undefined || sign !== expectedSign(fields, options.partnerKey))
      return fail(1002, '签名错误');
    const problem = fieldProblem(endpoint, fields);
    if (problem) return fail(1001, problem);
    return execute(endpoint, fields);
  }

  /** The HTTP status an answer goes out with: `errorHttpStatus` for a refusal the platform sends as 200. */
  const statusOf = (answer: Answer): number =>
    answer.code !== 0 && answer.httpStatus === 200 ? errorHttpStatus : answer.httpStatus;

  function envelope(answer: Answer) {
    return { code: answer.code, data: answer.data, msg: answer.msg, ts: Math.floor(now().getTime() / 1000) };
  }

  async function control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method === 'GET' && path === '/__sim/state') return sendJson(res, 200, state);
    if (req.method === 'POST' && path === '/__sim/reset') {
      handle.reset();
      return sendJson(res, 200, { ok: true });
    }
    if (req.method === 'POST' && path === '/__sim/faults') {
      let rule: unknown;
      try {
        rule = JSON.parse(await readBody(req));
      } catch {
        rule = undefined;
      }
      const fault = (rule as { fault?: unknown } | undefined)?.fault;
      if (!isFault(fault)) return sendJson(res, 400, { ok: false, error: 'body must be a FaultRule' });
      handle.inject(rule as FaultRule);
      return sendJson(res, 200, { ok: true });
    }
    sendJson(res, 404, { ok: false, error: 'unknown control endpoint' });
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://simulator').pathname;
    if (path.startsWith('/__sim/')) return control(req, res, path);
    const name = /^\/openapi\/new_sub\/([A-Za-z]+)$/.exec(path)?.[1];
    const raw = await readBody(req);
    if (name === undefined || !isEndpoint(name))
      return sendJson(res, 404, envelope(fail(404, '接口不存在', 404)));
    calls.push({ operation: name, fields: Object.fromEntries(new URLSearchParams(raw)) });
    const fault = faults.take(name);
    if (fault?.kind === 'hang') return; // never answered; close() cuts the connection
    if (fault?.kind === 'http-error') {
      res.writeHead(fault.status, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`simulated HTTP ${fault.status}`);
      return;
    }
    if (fault?.kind === 'rate-limit') {
      const answer = rateLimited();
      return sendJson(res, statusOf(answer), envelope(answer));
    }
    if (fault?.kind === 'vendor-error') {
      const answer = fail(Number(fault.code), fault.message ?? DEFAULT_MESSAGES[fault.code] ?? '操作失败');
      return sendJson(res, statusOf(answer), envelope(answer));
    }
    const answer = answerApi(req, name, raw);
    if (fault?.kind === 'drop-after-commit') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'commit-then-hang') return; // committed; close() cuts the connection
    sendJson(res, statusOf(answer), envelope(answer));
  }

  const server = createServer((req, res) => {
    serve(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('simulator failure');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const handle: BaijiayunSimulator = {
    url,
    baseUrl: url,
    state,
    calls,
    inject: (rule) => faults.inject(rule),
    reset: () => {
      state.clear();
      faults.clear();
      admitted.clear();
      calls.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
  return handle;
}
