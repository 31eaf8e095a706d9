import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chinaDateTime } from '../../shared/platforms/china-time.ts';
import { RequestBodyError } from '../errors.ts';
import { type Fault, FaultQueue, type FaultRule, SimulatedLatency } from '../faults.ts';
import { CLOOPEN_SIM_CODES, MESSAGES, VendorAnswer } from './answers.ts';
import { authenticate } from './auth.ts';
import { answerControl, readBody, refuse, send } from './control.ts';
import { CLOOPEN_SIM_OPERATIONS, createOperations } from './handlers.ts';
import type { CloopenSimulatorState, SimulatedMasterAccount, SimulatedSubAccount } from './state.ts';
import {
  answerContentType,
  encodeAnswer,
  mediaType,
  parseRequestBody,
  type SimAnswer,
  type SimFormat,
} from './wire.ts';

export { CLOOPEN_SIM_CODES } from './answers.ts';
export { CLOOPEN_SIM_OPERATIONS } from './handlers.ts';
export type {
  CloopenSimulatorState,
  SimulatedMasterAccount,
  SimulatedRequest,
  SimulatedSubAccount,
} from './state.ts';

/** The REST version the simulator serves, as in the production base URL. */
export const CLOOPEN_SIM_VERSION = '2013-12-26';

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
  /** Milliseconds every API call waits before it is handled (default 0); see {@link SimulatedLatency}. */
  readonly latencyMs?: number | undefined;
}

/** A running simulator. */
export interface CloopenSimulatorHandle {
  /** `http://127.0.0.1:{port}`. */
  readonly url: string;
  /** What a client's base URL must be: `{url}/2013-12-26`. */
  readonly baseUrl: string;
  readonly state: CloopenSimulatorState;
  inject(rule: FaultRule): void;
  /** Sets how long every API call waits before it is handled (0: none); `reset` keeps it. */
  setLatency(ms: number): void;
  /** Adds a sub-account directly (no request), e.g. to fill pages quickly. */
  seed(friendlyName: string, appId?: string): SimulatedSubAccount;
  /** Forgets accounts, requests and pending faults. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * Starts a strict in-memory Cloopen REST server (version 2013-12-26, main-account authentication) on
 * 127.0.0.1. It checks what the documents require — path and version, method per Func, exactly one `sig`
 * (upper-case hex MD5 of sid + token + ts), `Authorization` (base64 `sid:ts` with the same ts), ts format
 * and its 24-hour window on China's clock, an `Accept` of one type (406 otherwise), a `Content-Type` of one
 * type whose charset, if any, is utf-8 (required on POST; 415 otherwise), only the documented body fields,
 * their bounds, name uniqueness, 111156 for a closed sub-account — and answers in the documents' shapes, in
 * the format `Accept` asks for, HTTP 200 (or `errorHttpStatus`) with a `statusCode` for every platform error.
 */
export async function startCloopenSimulator(
  options: CloopenSimulatorOptions,
): Promise<CloopenSimulatorHandle> {
  const now = options.now ?? (() => new Date());
  const token = typeof options.authToken === 'string' ? options.authToken : options.authToken.reveal();
  const errorHttpStatus = options.errorHttpStatus ?? 200;
  const faults = new FaultQueue();
  const latency = new SimulatedLatency(options.latencyMs ?? 0);
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
  const main = { accountSid: options.accountSid, token, now };
  const { perform, addAccount } = createOperations(state, {
    now,
    appIds: options.appIds,
    startNoBase: options.startNoBase ?? 0,
    closedVisibleInList: options.closedVisibleInList,
    closedNamesReusable: options.closedNamesReusable,
    totalCountMeans: options.totalCountMeans ?? 'all',
    servedPageSize: options.servedPageSize ?? 100,
    notFoundAnswer: options.notFoundAnswer,
  });

  function vendorError(res: ServerResponse, format: SimFormat, code: string, message: string): void {
    send(
      res,
      errorHttpStatus,
      answerContentType(format),
      encodeAnswer(format, { statusCode: code, statusMsg: message }),
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/__sim/')) {
      return answerControl(req, res, url.pathname, { state, faults, latency, reset });
    }
    await latency.wait();

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

    // One type, as the introduction document's header table gives it: a list is refused, not guessed.
    const accept = mediaType(req.headers.accept);
    if (accept === undefined) {
      log('HTTP 406');
      return refuse(res, 406, 'Accept must be one of application/json or application/xml');
    }
    const format = accept.format;
    // The document's Content-Type is `…;charset=utf-8`: any other charset is refused on every method. A
    // GET may leave the charset out, as the AccountInfo samples print it on a line of its own.
    const contentType = mediaType(req.headers['content-type']);
    const charset = contentType?.charset;
    const charsetRefused = charset === undefined ? expectedMethod === 'POST' : charset !== 'utf-8';
    if (contentType === undefined || charsetRefused) {
      log('HTTP 415');
      return refuse(
        res,
        415,
        'Content-Type must be application/json;charset=utf-8 or application/xml;charset=utf-8',
      );
    }

    try {
      authenticate(req, pathSid, url.searchParams.getAll('sig'), main);
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
    setLatency: (ms) => latency.set(ms),
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
