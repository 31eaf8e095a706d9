import type {
  CreateResult,
  LifecycleOperation,
  LifecycleResult,
  ListOptions,
  MasterAccountInfo,
  SubAccount,
  SubAccountWithCredentials,
} from '../../ports/platform.ts';
import { unsupported } from '../../ports/platform.ts';
import { type FetchLike, type HttpAnswer, type HttpOptions, request } from '../http.ts';
import { CLOOPEN_SUCCESS, CloopenError, cloopenVendorError, isSubAccountMissing } from './errors.ts';
import type { CloopenCreateInput, CloopenPlatform } from './inputs.ts';
import type { CloopenConfig } from './settings.ts';
import { signCloopenRequest } from './signing.ts';
import {
  type CloopenAccountInfo,
  type CloopenEnvelope,
  type CloopenFormat,
  type CloopenSubAccountPage,
  type CloopenSubAccountRecord,
  cloopenHeaders,
  decodeAccountInfo,
  decodeCloopenEnvelope,
  decodeCreated,
  decodePage,
  decodeQueried,
  encodeCloopenBody,
  toCredentials,
  toMasterAccountInfo,
  toSubAccount,
  type WireContext,
} from './wire.ts';

/** The REST functions this client calls, by their Func names (also the simulator's fault operations). */
export type CloopenOperation =
  | 'SubAccounts'
  | 'GetSubAccounts'
  | 'QuerySubAccountByName'
  | 'CloseSubAccount'
  | 'AccountInfo';

/** Injectable dependencies of {@link createCloopenClient}. */
export interface CloopenClientDeps {
  readonly fetch?: FetchLike | undefined;
  /** The clock requests are signed with (tests pin it; the platform rejects timestamps 24 h off). */
  readonly now?: (() => Date) | undefined;
  /** Extra attempts for reads (`GetSubAccounts`, `QuerySubAccountByName`, `AccountInfo`); default 2. */
  readonly readRetries?: number | undefined;
  /** First backoff delay of read retries in ms; default 200. */
  readonly retryBaseMs?: number | undefined;
}

/** `GetSubAccounts` page size bounds: the platform takes `offset` 1..100. */
export const CLOOPEN_MAX_PAGE_SIZE = 100;
/** Longest `friendlyName` sent: the documents give 64 letters and digits for account names. */
export const CLOOPEN_MAX_FRIENDLY_NAME = 64;
/**
 * C0 controls and DEL: the docs ask for letters and digits, XML 1.0 cannot carry most of them at all, and
 * a name that cannot travel in both formats could never be found again by name.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
// A runaway guard only: 10 000 pages of 100 is far beyond any master account.
const MAX_PAGES = 10_000;

/**
 * The Cloopen port plus the platform's own calls, for the CLI and for adoption with credentials.
 * Every method throws a {@link CloopenError} (vendor codes, unreadable answers) or a `PlatformError`
 * from the transport (timeout, network, 5xx).
 *
 * "Not found" by name: no public source gives the `statusCode` Cloopen answers when
 * `QuerySubAccountByName` finds nothing (public code only shows `111150` "【账号】子账户名称重复" and the
 * create-then-query-by-name pattern). So a success answer without `SubAccount`, and an error whose
 * `statusMsg` says the sub-account does not exist (`子账户不存在` and variants), both mean "none". A code
 * the client cannot place (category `unknown` or `invalid-request`) is settled by scanning
 * `GetSubAccounts` of the same app for the name; every other code stays an error. `close` of an unknown
 * or already-closed sid is a `not-found` error for the same reason: the two cannot be told apart.
 */
export interface CloopenClient extends CloopenPlatform {
  /** `AccountInfo` as the platform reports it, every value a string. */
  accountInfo(): Promise<CloopenAccountInfo>;
  /** One `GetSubAccounts` page exactly as asked (no clamping, no paging). */
  getSubAccounts(page: {
    startNo: number;
    offset: number;
    appId?: string | undefined;
  }): Promise<CloopenSubAccountPage>;
  /**
   * `QuerySubAccountByName` (or, when its refusal cannot be placed, a scan of `GetSubAccounts` of the same
   * app): the sub-account with its credentials, `undefined` when none has the name.
   */
  findWithCredentials(friendlyName: string, appId?: string): Promise<SubAccountWithCredentials | undefined>;
}

function clampPageSize(size: number | undefined): number {
  if (size === undefined || !Number.isFinite(size)) return CLOOPEN_MAX_PAGE_SIZE;
  return Math.min(CLOOPEN_MAX_PAGE_SIZE, Math.max(1, Math.trunc(size)));
}

/** The format an answer is in: the one we asked for, unless the platform labelled it otherwise. */
function answerFormat(requested: CloopenFormat, contentType: string): CloopenFormat {
  const type = contentType.toLowerCase();
  if (type.includes('xml')) return 'xml';
  if (type.includes('json')) return 'json';
  return requested;
}

/**
 * Reads an answer: `statusCode` decides, whatever the HTTP status (errors' status is undocumented). A 4xx
 * other than 429 without one is a refusal in front of the API; any other unreadable answer is a
 * `protocol` error (for a 429 or 5xx, `request` then falls back to the status).
 */
function interpretAnswer<T>(
  answer: HttpAnswer,
  format: CloopenFormat,
  context: WireContext,
  read: (envelope: CloopenEnvelope) => T,
): T {
  let envelope: CloopenEnvelope;
  try {
    envelope = decodeCloopenEnvelope(answerFormat(format, answer.contentType), answer.text, context);
  } catch (error) {
    // 429 is load, not a refusal of the request: left to `request`, which reads it as rate-limited.
    const refusal = answer.status >= 400 && answer.status < 500 && answer.status !== 429;
    if (!refusal || !(error instanceof CloopenError)) throw error;
    // A 4xx without a readable statusCode: something in front of the API refused the request as sent.
    const authentication = answer.status === 401 || answer.status === 403;
    throw new CloopenError(
      `cloopen ${context.operation}: refused with HTTP ${answer.status} and no statusCode`,
      {
        category: authentication ? 'authentication' : 'invalid-request',
        code: `HTTP ${answer.status}`,
        operation: context.operation,
      },
    );
  }
  if (envelope.statusCode !== CLOOPEN_SUCCESS) {
    throw cloopenVendorError(context.operation, envelope.statusCode, envelope.statusMsg, context.mutates);
  }
  return read(envelope);
}

/**
 * Creates the Cloopen (云通讯, REST 2013-12-26) client: main-account authentication, JSON or XML by
 * `config.format`, `config.timeoutMs` on every call, reads retried with backoff, mutations
 * (`SubAccounts`, `CloseSubAccount`) sent once: the pipeline decides, adopting through
 * `QuerySubAccountByName`.
 */
export function createCloopenClient(config: CloopenConfig, deps: CloopenClientDeps = {}): CloopenClient {
  const now = deps.now ?? (() => new Date());
  const format: CloopenFormat = config.format;
  const baseUrl = config.baseUrl.replace(/\/+$/, '');
  const http: HttpOptions = {
    fetch: deps.fetch,
    timeoutMs: config.timeoutMs,
    readRetries: deps.readRetries,
    retryBaseMs: deps.retryBaseMs,
  };

  function call<T>(
    operation: CloopenOperation,
    fields: Readonly<Record<string, string>> | undefined,
    mutates: boolean,
    read: (envelope: CloopenEnvelope, context: WireContext) => T,
  ): Promise<T> {
    // One timestamp per request; retries of a read reuse it (it stays valid for 24 hours).
    const signature = signCloopenRequest(config.accountSid, config.authToken, now());
    const context: WireContext = { operation, mutates };
    return request(
      {
        platform: 'cloopen',
        operation,
        method: fields === undefined ? 'GET' : 'POST',
        url: `${baseUrl}/Accounts/${encodeURIComponent(config.accountSid)}/${operation}?sig=${signature.sig}`,
        headers: { ...cloopenHeaders(format), Authorization: signature.authorization },
        body: fields === undefined ? undefined : encodeCloopenBody(format, fields),
        mutates,
      },
      http,
      (answer) => interpretAnswer(answer, format, context, (envelope) => read(envelope, context)),
    );
  }

  function getSubAccounts(page: {
    startNo: number;
    offset: number;
    appId?: string | undefined;
  }): Promise<CloopenSubAccountPage> {
    return call(
      'GetSubAccounts',
      { appId: page.appId ?? config.appId, startNo: String(page.startNo), offset: String(page.offset) },
      false,
      decodePage,
    );
  }

  /**
   * Every sub-account of one app (the configured one by default), each once.
   *
   * Whether `startNo` counts from 0 or 1 is not clear from the docs ("默认从0开始"), so paging starts at
   * 0, advances by what each page served and drops accounts already seen: on a 1-based platform pages
   * then overlap by one instead of skipping one. A platform that refuses or answers nothing at `startNo`
   * 0 while reporting accounts is asked again from 1.
   *
   * `totalCount` is documented only as "子账号的数量": the number of all sub-accounts or of this page's.
   * The stop rule holds for both readings, so `totalCount` alone never ends the walk:
   * - an empty page ends it;
   * - a second page in a row that adds nothing new ends it (one such page is expected with page size 1
   *   on a 1-based platform, where `startNo` 0 and 1 are the same page);
   * - a short page (fewer than asked) ends it, unless `totalCount` claims more than both what was seen
   *   and this page's length: then the server capped the page size and more pages follow;
   * - a full page never ends it, even when `seen >= totalCount` (under the per-page reading that is true
   *   of every full page); the price is one empty page after an exact multiple of the page size.
   */
  async function* allRecords(
    pageSize: number,
    appId: string | undefined = undefined,
  ): AsyncGenerator<CloopenSubAccountRecord> {
    const seen = new Set<string>();
    let startNo = 0;
    let retriedFromOne = false;
    let previousAdded = true;
    for (let pages = 0; pages < MAX_PAGES; pages++) {
      let page: CloopenSubAccountPage;
      try {
        page = await getSubAccounts({ startNo, offset: pageSize, appId });
      } catch (error) {
        const refusedZero =
          startNo === 0 &&
          !retriedFromOne &&
          error instanceof CloopenError &&
          (error.category === 'invalid-request' || error.category === 'unknown');
        if (!refusedZero) throw error;
        retriedFromOne = true;
        startNo = 1;
        continue;
      }
      const served = page.subAccounts.length;
      if (startNo === 0 && !retriedFromOne && served === 0 && (page.totalCount ?? 0) > 0) {
        retriedFromOne = true;
        startNo = 1;
        continue;
      }
      let added = 0;
      for (const record of page.subAccounts) {
        if (seen.has(record.subAccountSid)) continue;
        seen.add(record.subAccountSid);
        added++;
        yield record;
      }
      if (served === 0) return;
      if (added === 0 && !previousAdded) return;
      if (served < pageSize) {
        const total = page.totalCount;
        const capped = total !== undefined && total > seen.size && total > served;
        if (!capped) return;
      }
      previousAdded = added > 0;
      startNo += served;
    }
  }

  /** The sub-account named `friendlyName` among every page of `GetSubAccounts` of the app. */
  async function scanForName(
    friendlyName: string,
    appId: string | undefined,
  ): Promise<CloopenSubAccountRecord | undefined> {
    for await (const record of allRecords(CLOOPEN_MAX_PAGE_SIZE, appId)) {
      if (record.friendlyName === friendlyName) return record;
    }
    return undefined;
  }

  /**
   * `QuerySubAccountByName`. The "no such name" answer is undocumented (see {@link CloopenClient}): a
   * `statusMsg` saying the sub-account does not exist means none. Any other code we cannot place
   * (`unknown`, or `invalid-request`, which an unknown code for "not found" may also be read as) is not
   * trusted either way: the list of the same app is scanned for the name before answering.
   */
  async function queryByName(
    friendlyName: string,
    appId?: string,
  ): Promise<CloopenSubAccountRecord | undefined> {
    try {
      const record = await call(
        'QuerySubAccountByName',
        { appId: appId ?? config.appId, friendlyName },
        false,
        decodeQueried,
      );
      // Exact comparison on purpose: nothing documents names as case-insensitive, so another spelling
      // in the answer is another account, or an answer we do not understand.
      if (record?.friendlyName !== undefined && record.friendlyName !== friendlyName) {
        throw new CloopenError('cloopen QuerySubAccountByName: answer names another sub-account', {
          category: 'protocol',
          operation: 'QuerySubAccountByName',
        });
      }
      return record;
    } catch (error) {
      if (!(error instanceof CloopenError) || error.code === undefined) throw error;
      if (isSubAccountMissing(error.code, error.vendorMessage)) return undefined;
      if (error.category === 'unknown' || error.category === 'invalid-request') {
        return scanForName(friendlyName, appId);
      }
      throw error;
    }
  }

  async function withCredentials(
    friendlyName: string,
    appId?: string,
  ): Promise<SubAccountWithCredentials | undefined> {
    const record = await queryByName(friendlyName, appId);
    if (record === undefined) return undefined;
    return { ...toSubAccount(record, 'unknown', friendlyName), credentials: toCredentials(record) };
  }

  const notOffered = (operation: LifecycleOperation): Promise<LifecycleResult> =>
    Promise.resolve(
      unsupported(
        'cloopen',
        operation,
        'the platform has no suspend, resume or update call; closing (CloseSubAccount) is its only lifecycle change',
      ),
    );

  return {
    name: 'cloopen',
    supports: new Set<LifecycleOperation>(['close']),

    async create(input: CloopenCreateInput): Promise<CreateResult> {
      const { friendlyName } = input;
      if (friendlyName.length === 0 || [...friendlyName].length > CLOOPEN_MAX_FRIENDLY_NAME) {
        throw new CloopenError(
          `cloopen SubAccounts: friendlyName must be 1 to ${CLOOPEN_MAX_FRIENDLY_NAME} characters`,
          { category: 'invalid-request', operation: 'SubAccounts' },
        );
      }
      if (CONTROL_CHARACTER.test(friendlyName)) {
        throw new CloopenError('cloopen SubAccounts: friendlyName must not contain control characters', {
          category: 'invalid-request',
          operation: 'SubAccounts',
        });
      }
      try {
        const record = await call(
          'SubAccounts',
          { appId: input.appId ?? config.appId, friendlyName },
          true,
          decodeCreated,
        );
        return {
          outcome: 'created',
          account: toSubAccount(record, 'active', friendlyName),
          credentials: toCredentials(record),
        };
      } catch (error) {
        if (error instanceof CloopenError && error.code === '111150') {
          return { outcome: 'already-exists', naturalKey: friendlyName };
        }
        throw error;
      }
    },

    /**
     * `QuerySubAccountByName`. Which `statusCode` means "no sub-account has this name" is not documented,
     * and a search of public code (SDKs, projects calling the API) found only `111150` ("【账号】子账户名称重复")
     * and the callers' pattern of querying by name after it; no public list gives the not-found code. So
     * a success answer without a `SubAccount`, and an error whose `statusMsg` says the sub-account does
     * not exist (`子账户不存在` and variants), both mean "none"; a code of category `unknown` or
     * `invalid-request` falls back to scanning `GetSubAccounts` for the name; any other code is an error.
     */
    async findByNaturalKey(naturalKey: string): Promise<SubAccount | undefined> {
      const record = await queryByName(naturalKey);
      return record === undefined ? undefined : toSubAccount(record, 'unknown', naturalKey);
    },

    /**
     * One QuerySubAccountByName in the create's own app (the answer carries the credentials too), or a
     * scan of that app's list when the query's refusal cannot be placed.
     */
    async findExisting(input: CloopenCreateInput): Promise<SubAccountWithCredentials | undefined> {
      return withCredentials(input.friendlyName, input.appId);
    },

    findWithCredentials: withCredentials,

    /** There is no read-by-sid call: pages `GetSubAccounts` until the sid shows up. */
    async get(id: string): Promise<SubAccountWithCredentials | undefined> {
      for await (const record of allRecords(CLOOPEN_MAX_PAGE_SIZE)) {
        if (record.subAccountSid === id)
          return { ...toSubAccount(record, 'unknown'), credentials: toCredentials(record) };
      }
      return undefined;
    },

    /** Cloopen lists no state, so every account is `unknown`; `status` filters are not possible here. */
    async *list(options?: ListOptions): AsyncGenerator<SubAccount> {
      for await (const record of allRecords(clampPageSize(options?.pageSize))) {
        yield toSubAccount(record, 'unknown');
      }
    },

    suspend: () => notOffered('suspend'),
    resume: () => notOffered('resume'),
    update: () => notOffered('update'),

    /** `CloseSubAccount` with `subAccountSid` only. One-way: the platform cannot reopen it. */
    async close(id: string): Promise<LifecycleResult> {
      await call('CloseSubAccount', { subAccountSid: id }, true, () => undefined);
      return { outcome: 'applied' };
    },

    accountInfo(): Promise<CloopenAccountInfo> {
      return call('AccountInfo', undefined, false, decodeAccountInfo);
    },

    async masterAccountInfo(): Promise<MasterAccountInfo> {
      return toMasterAccountInfo(await call('AccountInfo', undefined, false, decodeAccountInfo));
    },

    getSubAccounts,
  };
}
