import { createHash, randomBytes, randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chinaDateTime, parseChinaCompactTimestamp } from '../../shared/platforms/china-time.ts';
import { RequestBodyError } from '../errors.ts';
import { type Fault, FaultQueue, type FaultRule } from '../faults.ts';
import {
  answerContentType,
  encodeAnswer,
  mediaFormat,
  parseRequestBody,
  type SimAnswer,
  type SimFormat,
} from './wire.ts';

/** The REST version the simulator serves, as in the production base URL. */
export const CLOOPEN_SIM_VERSION = '2013-12-26';

/**
 * Status codes the simulator answers. The first group is from the notes' table; the last two are not
 * documented anywhere public (a search of public SDKs and projects found no list), so the simulator picks
 * codes inside Cloopen's `1111xx` account block with texts in the platform's `【账号】…` style. Clients
 * must not depend on these two numbers, only on the documented ones and on the texts' meaning.
 */
export const CLOOPEN_SIM_CODES = {
  success: '000000',
  timestampExpired: '111106',
  sigMismatch: '111109',
  rateLimited: '111111',
  timestampFormat: '111113',
  mainAccountMissing: '111141',
  nameTaken: '111150',
  appMissing: '111181',
  /** Undocumented: chosen here for an unknown or closed `subAccountSid` or name. */
  subAccountMissing: '111143',
  /** Undocumented: chosen here for a missing or malformed body field. */
  invalidParameter: '111199',
} as const;

const MESSAGES: Readonly<Record<string, string>> = {
  [CLOOPEN_SIM_CODES.rateLimited]: '【账号】请求并发数过多',
  [CLOOPEN_SIM_CODES.timestampExpired]: '【账号】请求包头Authorization参数解码后时间戳过期',
  [CLOOPEN_SIM_CODES.timestampFormat]: '【账号】请求包头Authorization参数中时间戳格式有误',
  [CLOOPEN_SIM_CODES.mainAccountMissing]: '【账号】主账户不存在',
  [CLOOPEN_SIM_CODES.nameTaken]: '【账号】子账户名称重复',
  [CLOOPEN_SIM_CODES.appMissing]: '【应用】应用不存在',
  [CLOOPEN_SIM_CODES.subAccountMissing]: '【账号】子账户不存在',
};

/** The five Func names; also the operation names of fault rules. */
export const CLOOPEN_SIM_OPERATIONS = [
  'SubAccounts',
  'GetSubAccounts',
  'QuerySubAccountByName',
  'CloseSubAccount',
  'AccountInfo',
] as const;
type Operation = (typeof CLOOPEN_SIM_OPERATIONS)[number];

/** A sub-account held by the simulator, secrets included (it is a simulator). */
export interface SimulatedSubAccount {
  readonly appId: string;
  readonly subAccountSid: string;
  readonly friendlyName: string;
  readonly subToken: string;
  readonly voipAccount: string;
  readonly voipPwd: string;
  /** `yyyy-MM-dd HH:mm:ss` on China's clock. */
  readonly dateCreated: string;
  status: 'active' | 'closed';
}

/** The master account `AccountInfo` reports; every value a string, as on the wire. */
export interface SimulatedMasterAccount {
  friendlyName: string;
  type: string;
  status: string;
  balance: string;
  subBalance: string;
  dateCreated: string;
  dateUpdated: string;
}

/** One API request the simulator received (control endpoints excluded). */
export interface SimulatedRequest {
  readonly operation: string;
  readonly method: string;
  /** The statusCode answered, the fault applied, or the HTTP refusal. */
  readonly outcome: string;
}

/** Everything the simulator holds, live: tests may read it and seed it. */
export interface CloopenSimulatorState {
  /** In creation order, which is also `GetSubAccounts` order. */
  readonly accounts: SimulatedSubAccount[];
  readonly requests: SimulatedRequest[];
  readonly master: SimulatedMasterAccount;
}

/** Options of {@link startCloopenSimulator}. */
export interface CloopenSimulatorOptions {
  /** Port on 127.0.0.1; 0 (any free port) when absent. */
  readonly port?: number | undefined;
  /** The one main account it knows. */
  readonly accountSid: string;
  readonly authToken: string | { reveal(): string };
  /** Apps of the main account; anything else is `111181`. */
  readonly appIds: readonly string[];
  /** Its clock, for the 24-hour timestamp window and `dateCreated`. */
  readonly now?: (() => Date) | undefined;
  /** What `startNo` counts from; `0` by default as the docs say (`startNo` 0 is read as 1 when 1-based). */
  readonly startNoBase?: 0 | 1 | undefined;
  /** Whether closed sub-accounts still show in `GetSubAccounts` (unconfirmed on the platform). */
  readonly closedVisibleInList?: boolean | undefined;
  /** Whether a closed sub-account's name can be taken again (unconfirmed on the platform). */
  readonly closedNamesReusable?: boolean | undefined;
  readonly masterAccount?: Partial<SimulatedMasterAccount> | undefined;
  /**
   * What `GetSubAccounts`' `totalCount` counts ("子账号的数量" in the docs): every visible sub-account of
   * the app (`all`, default) or only those on this page (`page`).
   */
  readonly totalCountMeans?: 'all' | 'page' | undefined;
  /** The largest page it serves: a larger (valid) `offset` gets this many, silently. Default 100. */
  readonly servedPageSize?: number | undefined;
  /**
   * The answer for a name or sid it has no sub-account for (`QuerySubAccountByName`, `CloseSubAccount`).
   * Undocumented on the platform; default `111143` "【账号】子账户不存在".
   */
  readonly notFoundAnswer?: { readonly code: string; readonly message: string } | undefined;
  /**
   * The HTTP status of every answer carrying an error `statusCode` (the platform's is undocumented).
   * Default 200.
   */
  readonly errorHttpStatus?: number | undefined;
}

/** A running simulator. */
export interface CloopenSimulatorHandle {
  /** `http://127.0.0.1:{port}`. */
  readonly url: string;
  /** What a client's base URL must be: `{url}/2013-12-26`. */
  readonly baseUrl: string;
  readonly state: CloopenSimulatorState;
  inject(rule: FaultRule): void;
  /** Adds a sub-account directly (no request), e.g. to fill pages quickly. */
  seed(friendlyName: string, appId?: string): SimulatedSubAccount;
  /** Forgets accounts, requests and pending faults. */
  reset(): void;
  close(): Promise<void>;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_FRIENDLY_NAME = 64;

class VendorAnswer extends Error {
  readonly code: string;
  constructor(code: string, message?: string) {
    super(message ?? MESSAGES[code] ?? `【账号】错误 ${code}`);
    this.code = code;
  }
}

function md5Upper(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex').toUpperCase();
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function isFaultRule(value: unknown): value is FaultRule {
  if (typeof value !== 'object' || value === null) return false;
  const { fault, operation, times } = value as { fault?: unknown; operation?: unknown; times?: unknown };
  if (operation !== undefined && typeof operation !== 'string') return false;
  if (times !== undefined && (typeof times !== 'number' || !Number.isInteger(times) || times < 1))
    return false;
  if (typeof fault !== 'object' || fault === null) return false;
  const f = fault as { kind?: unknown; status?: unknown; code?: unknown; message?: unknown };
  switch (f.kind) {
    case 'hang':
    case 'drop-after-commit':
    case 'rate-limit':
      return true;
    case 'http-error':
      return typeof f.status === 'number' && Number.isInteger(f.status) && f.status >= 100 && f.status <= 599;
    case 'vendor-error':
      return typeof f.code === 'string' && (f.message === undefined || typeof f.message === 'string');
    default:
      return false;
  }
}

/**
 * Starts a strict in-memory Cloopen REST server (version 2013-12-26, main-account authentication) on
 * 127.0.0.1. It checks what the documents require — path and version, method per Func, `sig` (upper-case
 * hex MD5 of sid + token + ts), `Authorization` (base64 `sid:ts` with the same ts), ts format and its
 * 24-hour window on China's clock, `Accept`/`Content-Type`, fields and their bounds, name uniqueness — and
 * answers in the documents' shapes, in the format `Accept` asks for, HTTP 200 (or `errorHttpStatus`) with
 * a `statusCode` for every platform error.
 */
export async function startCloopenSimulator(
  options: CloopenSimulatorOptions,
): Promise<CloopenSimulatorHandle> {
  const now = options.now ?? (() => new Date());
  const token = typeof options.authToken === 'string' ? options.authToken : options.authToken.reveal();
  const base = options.startNoBase ?? 0;
  const totalCountMeans = options.totalCountMeans ?? 'all';
  const servedPageSize = options.servedPageSize ?? 100;
  const errorHttpStatus = options.errorHttpStatus ?? 200;
  const subAccountMissing = () =>
    options.notFoundAnswer === undefined
      ? new VendorAnswer(CLOOPEN_SIM_CODES.subAccountMissing)
      : new VendorAnswer(options.notFoundAnswer.code, options.notFoundAnswer.message);
  const apps = new Set(options.appIds);
  const faults = new FaultQueue();
  const startedAt = chinaDateTime(now());
  const state: CloopenSimulatorState = {
    accounts: [],
    requests: [],
    master: {
      friendlyName: 'simulator@example.com',
      type: '1',
      status: '1',
      balance: '100.0',
      subBalance: '0.0',
      dateCreated: startedAt,
      dateUpdated: startedAt,
      ...options.masterAccount,
    },
  };

  const nameHeld = (account: SimulatedSubAccount, name: string) =>
    account.friendlyName === name && (account.status === 'active' || !options.closedNamesReusable);

  function uniqueVoipAccount(): string {
    for (;;) {
      const candidate = `8${String(randomInt(0, 10 ** 6)).padStart(6, '0')}${String(randomInt(0, 10 ** 7)).padStart(7, '0')}`;
      if (!state.accounts.some((a) => a.voipAccount === candidate)) return candidate;
    }
  }

  function addAccount(appId: string, friendlyName: string): SimulatedSubAccount {
    const account: SimulatedSubAccount = {
      appId,
      friendlyName,
      subAccountSid: randomBytes(16).toString('hex'),
      subToken: randomBytes(16).toString('hex'),
      voipAccount: uniqueVoipAccount(),
      voipPwd: Array.from({ length: 8 }, () => ALNUM[randomInt(0, ALNUM.length)]).join(''),
      dateCreated: chinaDateTime(now()),
      status: 'active',
    };
    state.accounts.push(account);
    return account;
  }

  function requireApp(fields: Record<string, string>, required: boolean): string | undefined {
    const appId = fields.appId;
    if (appId === undefined || appId === '') {
      if (required) throw new VendorAnswer(CLOOPEN_SIM_CODES.invalidParameter, '【账号】参数appId为空');
      return undefined;
    }
    if (!apps.has(appId)) throw new VendorAnswer(CLOOPEN_SIM_CODES.appMissing);
    return appId;
  }

  function requireName(fields: Record<string, string>): string {
    const name = fields.friendlyName;
    if (name === undefined || name === '') {
      throw new VendorAnswer(CLOOPEN_SIM_CODES.invalidParameter, '【账号】参数friendlyName为空');
    }
    if ([...name].length > MAX_FRIENDLY_NAME) {
      throw new VendorAnswer(CLOOPEN_SIM_CODES.invalidParameter, '【账号】参数friendlyName过长');
    }
    return name;
  }

  function numberField(fields: Record<string, string>, key: string, fallback: number): number {
    const value = fields[key];
    if (value === undefined) return fallback;
    if (!/^\d{1,9}$/.test(value)) {
      throw new VendorAnswer(CLOOPEN_SIM_CODES.invalidParameter, `【账号】参数${key}格式错误`);
    }
    return Number(value);
  }

  const created = (a: SimulatedSubAccount) => ({
    subAccountSid: a.subAccountSid,
    subToken: a.subToken,
    dateCreated: a.dateCreated,
    voipAccount: a.voipAccount,
    voipPwd: a.voipPwd,
  });

  function perform(operation: Operation, fields: Record<string, string>): SimAnswer {
    switch (operation) {
      case 'SubAccounts': {
        const appId = requireApp(fields, true) ?? '';
        const name = requireName(fields);
        if (state.accounts.some((a) => nameHeld(a, name)))
          throw new VendorAnswer(CLOOPEN_SIM_CODES.nameTaken);
        return { statusCode: CLOOPEN_SIM_CODES.success, SubAccount: created(addAccount(appId, name)) };
      }
      case 'GetSubAccounts': {
        const appId = requireApp(fields, true);
        const startNo = numberField(fields, 'startNo', base);
        const offset = numberField(fields, 'offset', 100);
        if (offset < 1 || offset > 100) {
          throw new VendorAnswer(CLOOPEN_SIM_CODES.invalidParameter, '【账号】参数offset取值范围为1到100');
        }
        const visible = state.accounts.filter(
          (a) => a.appId === appId && (a.status === 'active' || options.closedVisibleInList),
        );
        const from = base === 0 ? startNo : Math.max(startNo, 1) - 1;
        const served = visible.slice(from, from + Math.min(offset, servedPageSize));
        return {
          statusCode: CLOOPEN_SIM_CODES.success,
          totalCount: String(totalCountMeans === 'all' ? visible.length : served.length),
          SubAccount: served.map((a) => ({
            subAccountSid: a.subAccountSid,
            subToken: a.subToken,
            friendlyName: a.friendlyName,
            dateCreated: a.dateCreated,
            voipAccount: a.voipAccount,
            voipPwd: a.voipPwd,
          })),
        };
      }
      case 'QuerySubAccountByName': {
        const appId = requireApp(fields, true);
        const name = requireName(fields);
        // An open account first; a closed one only while it still holds the name (create says 111150).
        const found =
          state.accounts.find((a) => a.appId === appId && a.friendlyName === name && a.status === 'active') ??
          state.accounts.find((a) => a.appId === appId && nameHeld(a, name));
        if (found === undefined) throw subAccountMissing();
        return { statusCode: CLOOPEN_SIM_CODES.success, SubAccount: created(found) };
      }
      case 'CloseSubAccount': {
        const appId = requireApp(fields, false);
        const sid = fields.subAccountSid;
        if (sid === undefined || sid === '') {
          throw new VendorAnswer(CLOOPEN_SIM_CODES.invalidParameter, '【账号】参数subAccountSid为空');
        }
        const found = state.accounts.find(
          (a) =>
            a.subAccountSid === sid && a.status === 'active' && (appId === undefined || a.appId === appId),
        );
        if (found === undefined) throw subAccountMissing();
        found.status = 'closed';
        return { statusCode: CLOOPEN_SIM_CODES.success };
      }
      case 'AccountInfo': {
        const m = state.master;
        return {
          statusCode: CLOOPEN_SIM_CODES.success,
          Account: {
            friendlyName: m.friendlyName,
            type: m.type,
            status: m.status,
            dateCreated: m.dateCreated,
            dateUpdated: m.dateUpdated,
            balance: m.balance,
            subBalance: m.subBalance,
          },
        };
      }
    }
  }

  /** Checks `Authorization` and `sig`; throws the platform's answer when they fail. */
  function authenticate(req: IncomingMessage, pathSid: string, sig: string | null): void {
    const header = req.headers.authorization;
    if (header === undefined || header === '') {
      throw new VendorAnswer(CLOOPEN_SIM_CODES.sigMismatch, '【账号】请求包头Authorization参数为空');
    }
    const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(header)
      ? Buffer.from(header, 'base64').toString('utf8')
      : '';
    const separator = decoded.indexOf(':');
    if (separator <= 0) {
      throw new VendorAnswer(
        CLOOPEN_SIM_CODES.sigMismatch,
        '【账号】请求包头Authorization参数解码后格式有误',
      );
    }
    const authSid = decoded.slice(0, separator);
    const timestamp = decoded.slice(separator + 1);
    const instant = parseChinaCompactTimestamp(timestamp);
    if (instant === undefined) throw new VendorAnswer(CLOOPEN_SIM_CODES.timestampFormat);
    if (pathSid !== options.accountSid) throw new VendorAnswer(CLOOPEN_SIM_CODES.mainAccountMissing);
    if (authSid !== pathSid) {
      throw new VendorAnswer(
        CLOOPEN_SIM_CODES.sigMismatch,
        '【账号】Authorization中账户ID与请求地址中的不一致',
      );
    }
    if (Math.abs(now().getTime() - instant.getTime()) > DAY_MS) {
      throw new VendorAnswer(CLOOPEN_SIM_CODES.timestampExpired);
    }
    if (sig === null || sig === '')
      throw new VendorAnswer(CLOOPEN_SIM_CODES.sigMismatch, '【账号】请求地址Sig参数为空');
    if (!/^[0-9A-F]{32}$/.test(sig) || sig !== md5Upper(`${options.accountSid}${token}${timestamp}`)) {
      throw new VendorAnswer(CLOOPEN_SIM_CODES.sigMismatch, '【账号】请求地址Sig校验失败');
    }
  }

  function send(res: ServerResponse, status: number, contentType: string, body: string): void {
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  function refuse(res: ServerResponse, status: number, text: string): void {
    send(res, status, 'text/plain;charset=utf-8', text);
  }

  function vendorError(res: ServerResponse, format: SimFormat, code: string, message: string): void {
    send(
      res,
      errorHttpStatus,
      answerContentType(format),
      encodeAnswer(format, { statusCode: code, statusMsg: message }),
    );
  }

  async function control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method === 'POST' && path === '/__sim/faults') {
      let rule: unknown;
      try {
        rule = JSON.parse(await readBody(req));
      } catch {
        return refuse(res, 400, 'fault rule must be JSON');
      }
      if (!isFaultRule(rule)) return refuse(res, 400, 'not a fault rule');
      faults.inject(rule);
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'POST' && path === '/__sim/reset') {
      reset();
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET' && path === '/__sim/state') {
      return send(
        res,
        200,
        'application/json;charset=utf-8',
        JSON.stringify({ ...state, pendingFaults: faults.pending }),
      );
    }
    refuse(res, 404, 'unknown control endpoint');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/__sim/')) return control(req, res, url.pathname);

    const match = /^\/([^/]+)\/Accounts\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    const [, version, pathSid = '', func = ''] = match ?? [];
    const operation = CLOOPEN_SIM_OPERATIONS.find((o) => o === func);
    const log = (outcome: string) =>
      state.requests.push({ operation: func, method: req.method ?? '', outcome });
    if (version !== CLOOPEN_SIM_VERSION || operation === undefined) {
      log('HTTP 404');
      return refuse(res, 404, 'Not Found');
    }
    const expectedMethod = operation === 'AccountInfo' ? 'GET' : 'POST';
    if (req.method !== expectedMethod) {
      log('HTTP 405');
      res.setHeader('allow', expectedMethod);
      return refuse(res, 405, 'Method Not Allowed');
    }
    const body = await readBody(req);

    const accept = mediaFormat(req.headers.accept);
    if (accept.format === undefined) {
      log('HTTP 406');
      return refuse(res, 406, 'Accept must be application/json or application/xml');
    }
    const format = accept.format;
    const contentType = mediaFormat(req.headers['content-type']);
    if (contentType.format === undefined || (expectedMethod === 'POST' && !contentType.utf8)) {
      log('HTTP 415');
      return refuse(
        res,
        415,
        'Content-Type must be application/json;charset=utf-8 or application/xml;charset=utf-8',
      );
    }

    try {
      authenticate(req, pathSid, url.searchParams.get('sig'));
    } catch (error) {
      if (!(error instanceof VendorAnswer)) throw error;
      log(error.code);
      return vendorError(res, format, error.code, error.message);
    }

    const fault: Fault | undefined = faults.take(operation);
    if (fault !== undefined && fault.kind !== 'drop-after-commit') {
      log(`fault ${fault.kind}`);
      switch (fault.kind) {
        case 'http-error':
          return refuse(res, fault.status, `simulated HTTP ${fault.status}`);
        case 'hang':
          // Never answer; close() destroys the socket.
          return;
        case 'rate-limit':
          return vendorError(
            res,
            format,
            CLOOPEN_SIM_CODES.rateLimited,
            MESSAGES[CLOOPEN_SIM_CODES.rateLimited] ?? '',
          );
        case 'vendor-error':
          return vendorError(
            res,
            format,
            fault.code,
            fault.message ?? MESSAGES[fault.code] ?? `【账号】错误 ${fault.code}`,
          );
      }
    }

    let answer: SimAnswer;
    try {
      const fields = expectedMethod === 'POST' ? parseRequestBody(contentType.format, body) : {};
      answer = perform(operation, fields);
    } catch (error) {
      const refusal =
        error instanceof RequestBodyError
          ? new VendorAnswer(CLOOPEN_SIM_CODES.invalidParameter, `【账号】请求包体格式错误: ${error.message}`)
          : error;
      if (!(refusal instanceof VendorAnswer)) throw error;
      if (fault !== undefined) {
        log(`fault drop-after-commit (${refusal.code})`);
        res.socket?.destroy();
        return;
      }
      log(refusal.code);
      return vendorError(res, format, refusal.code, refusal.message);
    }
    if (fault !== undefined) {
      log('fault drop-after-commit');
      res.socket?.destroy();
      return;
    }
    log(String(answer.statusCode));
    send(res, 200, answerContentType(format), encodeAnswer(format, answer));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) refuse(res, 500, 'simulator failure');
      else res.destroy();
    });
  });

  function reset(): void {
    state.accounts.length = 0;
    state.requests.length = 0;
    faults.clear();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    baseUrl: `${url}/${CLOOPEN_SIM_VERSION}`,
    state,
    inject: (rule) => faults.inject(rule),
    seed: (friendlyName, appId) => {
      const app = appId ?? options.appIds[0];
      if (app === undefined) throw new Error('the simulator knows no app to seed into');
      return addAccount(app, friendlyName);
    },
    reset,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Hung requests and keep-alive sockets would hold close() open forever.
        server.closeAllConnections();
      }),
  };
}
