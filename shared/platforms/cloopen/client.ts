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
import { CloopenError, isSubAccountMissing } from './errors.ts';
import type { CloopenCreateInput, CloopenPlatform } from './inputs.ts';
import { allSubAccountRecords } from './paging.ts';
import type { CloopenConfig } from './settings.ts';
import { type CloopenClientDeps, CloopenTransport } from './transport.ts';
import {
  type CloopenAccountInfo,
  type CloopenSubAccountPage,
  type CloopenSubAccountRecord,
  decodeAccountInfo,
  decodeCreated,
  decodePage,
  decodeQueried,
  toCredentials,
  toMasterAccountInfo,
  toSubAccount,
} from './wire.ts';

export type { CloopenClientDeps, CloopenOperation } from './transport.ts';

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
 * sid is a `not-found` error.
 *
 * Closed sub-accounts: the platform answers 111156 "【账号】子账户已关闭" (see `cloopenCategory`) to a
 * second close and to a query of a closed sub-account's name. Both surface as a `closed` error: for a close
 * the goal is reached (the domain records it closed); for a lookup by name it is a permanent error, never
 * "none" (a create would then meet 111150 and look again forever) and never the closed account (which
 * cannot be adopted: closing is final).
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

/** Throws when `friendlyName` could not be created, or never found again by name. */
function checkFriendlyName(friendlyName: string): void {
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
}

/**
 * The Cloopen (云通讯, REST 2013-12-26) client: the port operations on top of a {@link CloopenTransport}
 * (main-account authentication, JSON or XML by `config.format`, `config.timeoutMs` on every call, reads
 * retried with backoff, mutations sent once). See {@link CloopenClient} for how "not found" is read.
 */
export class CloopenRestClient implements CloopenClient {
  readonly name = 'cloopen';
  readonly supports: ReadonlySet<LifecycleOperation> = new Set<LifecycleOperation>(['close']);
  readonly #appId: string;
  readonly #transport: CloopenTransport;

  constructor(config: CloopenConfig, deps: CloopenClientDeps = {}) {
    this.#appId = config.appId;
    this.#transport = new CloopenTransport(config, deps);
  }

  async create(input: CloopenCreateInput): Promise<CreateResult> {
    const { friendlyName } = input;
    checkFriendlyName(friendlyName);
    try {
      const record = await this.#transport.call(
        'SubAccounts',
        { appId: input.appId ?? this.#appId, friendlyName },
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
  }

  /**
   * `QuerySubAccountByName`. Which `statusCode` means "no sub-account has this name" is not documented,
   * and a search of public code (SDKs, projects calling the API) found only `111150` ("【账号】子账户名称重复")
   * and the callers' pattern of querying by name after it; no public list gives the not-found code. So
   * a success answer without a `SubAccount`, and an error whose `statusMsg` says the sub-account does
   * not exist (`子账户不存在` and variants), both mean "none"; a code of category `unknown` or
   * `invalid-request` falls back to scanning `GetSubAccounts` for the name; any other code is an error.
   */
  async findByNaturalKey(naturalKey: string): Promise<SubAccount | undefined> {
    const record = await this.#queryByName(naturalKey);
    return record === undefined ? undefined : toSubAccount(record, 'unknown', naturalKey);
  }

  /**
   * One QuerySubAccountByName in the create's own app (the answer carries the credentials too), or a
   * scan of that app's list when the query's refusal cannot be placed.
   */
  async findExisting(input: CloopenCreateInput): Promise<SubAccountWithCredentials | undefined> {
    return this.findWithCredentials(input.friendlyName, input.appId);
  }

  async findWithCredentials(
    friendlyName: string,
    appId?: string,
  ): Promise<SubAccountWithCredentials | undefined> {
    const record = await this.#queryByName(friendlyName, appId);
    if (record === undefined) return undefined;
    return { ...toSubAccount(record, 'unknown', friendlyName), credentials: toCredentials(record) };
  }

  /** There is no read-by-sid call: pages `GetSubAccounts` until the sid shows up. */
  async get(id: string): Promise<SubAccountWithCredentials | undefined> {
    for await (const record of this.#allRecords(CLOOPEN_MAX_PAGE_SIZE)) {
      if (record.subAccountSid === id)
        return { ...toSubAccount(record, 'unknown'), credentials: toCredentials(record) };
    }
    return undefined;
  }

  /** Cloopen lists no state, so every account is `unknown`; `status` filters are not possible here. */
  async *list(options?: ListOptions): AsyncGenerator<SubAccount> {
    for await (const record of this.#allRecords(clampPageSize(options?.pageSize))) {
      yield toSubAccount(record, 'unknown');
    }
  }

  suspend(): Promise<LifecycleResult> {
    return this.#notOffered('suspend');
  }

  resume(): Promise<LifecycleResult> {
    return this.#notOffered('resume');
  }

  update(): Promise<LifecycleResult> {
    return this.#notOffered('update');
  }

  /**
   * `CloseSubAccount` with `subAccountSid` only. One-way: the platform cannot reopen it. A sid already
   * closed is a `closed` error (111156), an unknown one `not-found`.
   */
  async close(id: string): Promise<LifecycleResult> {
    await this.#transport.call('CloseSubAccount', { subAccountSid: id }, true, () => undefined);
    return { outcome: 'applied' };
  }

  accountInfo(): Promise<CloopenAccountInfo> {
    return this.#transport.call('AccountInfo', undefined, false, decodeAccountInfo);
  }

  async masterAccountInfo(): Promise<MasterAccountInfo> {
    return toMasterAccountInfo(
      await this.#transport.call('AccountInfo', undefined, false, decodeAccountInfo),
    );
  }

  getSubAccounts(page: {
    startNo: number;
    offset: number;
    appId?: string | undefined;
  }): Promise<CloopenSubAccountPage> {
    return this.#transport.call(
      'GetSubAccounts',
      { appId: page.appId ?? this.#appId, startNo: String(page.startNo), offset: String(page.offset) },
      false,
      decodePage,
    );
  }

  /** Every sub-account of one app (the configured one by default), each once: see `allSubAccountRecords`. */
  #allRecords(pageSize: number, appId?: string): AsyncGenerator<CloopenSubAccountRecord> {
    return allSubAccountRecords(
      (startNo, offset) => this.getSubAccounts({ startNo, offset, appId }),
      pageSize,
    );
  }

  /** The sub-account named `friendlyName` among every page of `GetSubAccounts` of the app. */
  async #scanForName(
    friendlyName: string,
    appId: string | undefined,
  ): Promise<CloopenSubAccountRecord | undefined> {
    for await (const record of this.#allRecords(CLOOPEN_MAX_PAGE_SIZE, appId)) {
      if (record.friendlyName === friendlyName) return record;
    }
    return undefined;
  }

  /**
   * `QuerySubAccountByName`. The "no such name" answer is undocumented (see {@link CloopenClient}): a
   * `statusMsg` saying the sub-account does not exist means none; a closed sub-account is a `closed`
   * error. Any other code we cannot place (`unknown`, or `invalid-request`, which an unknown code for "not
   * found" may also be read as) is not trusted either way: the list of the same app is scanned for the
   * name before answering.
   */
  async #queryByName(friendlyName: string, appId?: string): Promise<CloopenSubAccountRecord | undefined> {
    try {
      const record = await this.#transport.call(
        'QuerySubAccountByName',
        { appId: appId ?? this.#appId, friendlyName },
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
      if (error.category === 'closed') {
        // Not "none": the name stays taken (create answers 111150), so "none" would send a create back
        // here for ever. Not the account either: a closed sub-account cannot be adopted or reopened.
        throw new CloopenError(
          `cloopen QuerySubAccountByName: statusCode ${error.code} (closed): the sub-account with this friendlyName is closed, and closing is final; it cannot be adopted or created again, so use another friendlyName`,
          {
            category: 'closed',
            code: error.code,
            vendorMessage: error.vendorMessage,
            operation: 'QuerySubAccountByName',
            cause: error,
          },
        );
      }
      if (isSubAccountMissing(error.code, error.vendorMessage)) return undefined;
      if (error.category === 'unknown' || error.category === 'invalid-request') {
        return this.#scanForName(friendlyName, appId);
      }
      throw error;
    }
  }

  #notOffered(operation: LifecycleOperation): Promise<LifecycleResult> {
    return Promise.resolve(
      unsupported(
        'cloopen',
        operation,
        'the platform has no suspend, resume or update call; closing (CloseSubAccount) is its only lifecycle change',
      ),
    );
  }
}

/**
 * Creates the Cloopen (云通讯, REST 2013-12-26) client: main-account authentication, JSON or XML by
 * `config.format`, `config.timeoutMs` on every call, reads retried with backoff, mutations
 * (`SubAccounts`, `CloseSubAccount`) sent once: the pipeline decides, adopting through
 * `QuerySubAccountByName`.
 */
export function createCloopenClient(config: CloopenConfig, deps: CloopenClientDeps = {}): CloopenClient {
  return new CloopenRestClient(config, deps);
}
