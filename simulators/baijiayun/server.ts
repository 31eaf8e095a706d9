import { isUtf8 } from 'node:buffer';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Fault, FaultQueue, type FaultRule } from '../faults.ts';
import { type Answer, DEFAULT_MESSAGES, fail, rateLimitedAnswer } from './answers.ts';
import { checkRequest, RateWindow } from './auth.ts';
import { isEndpoint, type SimEndpoint } from './endpoints.ts';
import { createExecute } from './handlers.ts';
import { BaijiayunSimulatorState } from './state.ts';

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

const MAX_BODY = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
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
    req.on('end', () => resolve(Buffer.concat(chunks)));
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
 * It checks, in this order: path (`{code:404}` with HTTP 404), a UTF-8 body, method (POST), content type
 * (form-urlencoded, UTF-8), no query parameters, no repeated field, `partner_id` (2001 "账号不存在" when it
 * is not the configured one, word for word the answer for an unknown sub-account), the rate window (see
 * `rateLimitAnswer`), `timestamp` (10 digits within the window, else code 1 with a timestamp message),
 * `sign` (1002), then every field of the endpoint (1001, unknown fields included), then the operation
 * itself (2001 unknown sub-account, code 1 "手机号已存在" or "邮箱已存在", 2003 live line not open, 1001
 * unless `expire_time` is strictly after `effect_time`, the stored one standing in for the one not sent).
 * Accounts are listed in creation order; status 1 ("使用中") means enabled and within
 * `effect_time`..`expire_time`.
 */
export async function startBaijiayunSimulator(
  options: BaijiayunSimulatorOptions,
): Promise<BaijiayunSimulator> {
  const now = options.now ?? (() => new Date());
  const rateLimit = options.rateLimit === undefined ? { requests: 200, windowMs: 10_000 } : options.rateLimit;
  const rateAnswer = options.rateLimitAnswer ?? 'code-1';
  const errorHttpStatus = options.errorHttpStatus ?? 200;
  const state = new BaijiayunSimulatorState();
  const faults = new FaultQueue();
  const calls: SimCall[] = [];
  const rateWindow = new RateWindow(rateLimit, now);
  const rateLimited = (): Answer => rateLimitedAnswer(rateAnswer);
  const checks = {
    partnerId: options.partnerId,
    partnerKey: options.partnerKey,
    now,
    timestampWindowSeconds: options.timestampWindowSeconds ?? 300,
    rateWindow,
    rateLimited,
  };
  const execute = createExecute(state, {
    now,
    defaultPageSize: options.defaultPageSize ?? 20,
    maxPageSize: options.maxPageSize ?? 100,
    overMaxPageSize: options.overMaxPageSize ?? 'cap',
  });

  function answerApi(req: IncomingMessage, endpoint: SimEndpoint, body: Buffer): Answer {
    // Bytes that are not UTF-8 would otherwise be read as U+FFFD and stored as if they had been sent.
    if (!isUtf8(body)) return fail(1001, '请求体编码错误，必须为 UTF-8');
    const checked = checkRequest(req, endpoint, body.toString('utf8'), checks);
    return 'refusal' in checked ? checked.refusal : execute(endpoint, checked.fields);
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
        rule = JSON.parse((await readBody(req)).toString('utf8'));
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
    const body = await readBody(req);
    const raw = body.toString('utf8');
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
    const answer = answerApi(req, name, body);
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
      rateWindow.clear();
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
