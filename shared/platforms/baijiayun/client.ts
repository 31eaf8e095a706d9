import { PlatformError } from '../../ports/errors.ts';
import type {
  CreateResult,
  LifecycleOperation,
  LifecycleResult,
  ListOptions,
  MasterAccountInfo,
  SubAccount,
  SubAccountStatus,
  SubAccountWithCredentials,
} from '../../ports/platform.ts';
import { chinaDateTime, parseChinaDateTime, toChinaIso } from '../china-time.ts';
import { type FetchLike, request } from '../http.ts';
import { BaijiayunError } from './errors.ts';
import type {
  BaijiayunCreateInput,
  BaijiayunLiveLine,
  BaijiayunPlatform,
  BaijiayunUpdateInput,
} from './inputs.ts';
import { type RateLimiter, sharedLimiter } from './limiter.ts';
import type { BaijiayunConfig } from './settings.ts';
import { sign } from './signing.ts';
import {
  type AccountInfo,
  type AddSubAccountParams,
  type AddSubAccountResult,
  accountInfoToSubAccount,
  type BaijiayunEndpoint,
  decodeAccountInfo,
  decodeAddResult,
  decodeListPage,
  decodeNothing,
  encodeForm,
  type GetSubAccountListParams,
  interpretAnswer,
  listItemToSubAccount,
  type SetAccountStatusParams,
  type SetCreditMoneyParams,
  type SetLiveAccountParams,
  type SetVideoAccountParams,
  type SubAccountListItem,
  type SubAccountListPage,
  toWireParams,
  type UpdateSubAccountParams,
} from './wire.ts';

/** Injectable collaborators of {@link createBaijiayunClient}; tests replace them, production uses the defaults. */
export interface BaijiayunClientDeps {
  readonly fetch?: FetchLike | undefined;
  /** The clock that stamps `timestamp` and judges expiry. */
  readonly now?: (() => Date) | undefined;
  /** Defaults to the process-wide limiter of this partner and host (see `sharedLimiter`). */
  readonly limiter?: RateLimiter | undefined;
  /** Extra attempts for reads (`getSubAccountList`, `getAccountInfo`); default 2. */
  readonly readRetries?: number | undefined;
  /** First backoff delay of read retries in ms; default 200. */
  readonly retryBaseMs?: number | undefined;
}

/**
 * The Baijiayun sub-account client: the {@link BaijiayunPlatform} port plus one typed method per `new_sub`
 * endpoint, in the platform's own field names. `partner_id`, `timestamp` and `sign` are added to every call.
 */
export interface BaijiayunClient extends BaijiayunPlatform {
  /** One page of sub-accounts. The server may cap `page_size` silently: page by what comes back. */
  getSubAccountList(params?: GetSubAccountListParams): Promise<SubAccountListPage>;
  /** Creates a sub-account; not retried (a lost answer is `outcomeUnknown`). */
  addSubAccount(params: AddSubAccountParams): Promise<AddSubAccountResult>;
  /** One sub-account with its password, `partner_key` and `secret_key` (as Secrets). Code 2001 throws `not-found`. */
  getAccountInfo(subPartnerId: string): Promise<AccountInfo>;
  setLiveAccount(params: SetLiveAccountParams): Promise<void>;
  setVideoAccount(params: SetVideoAccountParams): Promise<void>;
  setCreditMoney(params: SetCreditMoneyParams): Promise<void>;
  setAccountStatus(params: SetAccountStatusParams): Promise<void>;
  updateSubAccount(params: UpdateSubAccountParams): Promise<void>;
}

/** The largest page we ask for; servers may give less, and the client never relies on getting it. */
export const BAIJIAYUN_MAX_PAGE_SIZE = 100;

const LIST_STATUS = { all: 0, active: 1, stopped: 2 } as const;
const STATUS_OF_FILTER: Readonly<Record<0 | 1 | 2, SubAccountStatus>> = {
  0: 'unknown',
  1: 'active',
  2: 'suspended',
};
const SUPPORTED: ReadonlySet<LifecycleOperation> = new Set(['suspend', 'resume', 'update', 'close']);
// Messages that name a taken key, whatever code carries them (the doc only promises code 1 with some msg).
const DUPLICATE_MESSAGE = /已存在|已被注册|已注册|already exist/i;

const flag = (enabled: boolean): 0 | 1 => (enabled ? 1 : 0);

function clampPageSize(size: number | undefined): number {
  if (size === undefined || !Number.isFinite(size)) return BAIJIAYUN_MAX_PAGE_SIZE;
  return Math.min(BAIJIAYUN_MAX_PAGE_SIZE, Math.max(1, Math.trunc(size)));
}

/** A code-1-like refusal of `addSubAccount` that may mean "this mobile is taken", worth a lookup. */
function mayBeDuplicate(error: unknown): boolean {
  if (!(error instanceof BaijiayunError) || error.operation !== 'addSubAccount') return false;
  if (error.category === 'rate-limited' || error.category === 'authentication') return false;
  return error.code === '1' || DUPLICATE_MESSAGE.test(error.vendorMessage ?? '');
}

function addParams(input: BaijiayunCreateInput): AddSubAccountParams {
  const { largeClass, smallClass, business, video } = input.products ?? {};
  return {
    mobile: input.mobile,
    email: input.email,
    password: input.password,
    effect_time: chinaDateTime(input.effectTime),
    expire_time: chinaDateTime(input.expireTime),
    company: input.company,
    contacts: input.contacts,
    large_class_status: largeClass && flag(largeClass.enabled),
    large_class_user_limit: largeClass?.userLimit,
    large_class_max_user_limit: largeClass?.maxUserLimit,
    large_class_live_max_speakers: largeClass?.maxSpeakers,
    small_class_status: smallClass && flag(smallClass.enabled),
    business_status: business && flag(business.enabled),
    business_user_limit: business?.userLimit,
    business_max_user_limit: business?.maxUserLimit,
    business_live_max_speakers: business?.maxSpeakers,
    video_status: video && flag(video.enabled),
    flow: video?.flow,
    max_flow: video?.maxFlow,
    storage_limit: video?.storageLimit,
    max_storage_limit: video?.maxStorageLimit,
    credit_money: input.creditMoney,
  };
}

/** What we know of an account we just created when the platform would not show it to us. */
function accountFromInput(id: string, input: BaijiayunCreateInput): SubAccount {
  const { largeClass, smallClass, business, video } = input.products ?? {};
  const details: Record<string, string | number> = { email: input.email };
  if (input.company !== undefined) details.company = input.company;
  if (input.contacts !== undefined) details.contacts = input.contacts;
  if (largeClass) details.large_class_status = flag(largeClass.enabled);
  if (smallClass) details.small_class_status = flag(smallClass.enabled);
  if (business) details.business_status = flag(business.enabled);
  if (video) details.video_status = flag(video.enabled);
  if (input.creditMoney !== undefined) details.credit_money = input.creditMoney;
  return {
    platform: 'baijiayun',
    id,
    naturalKey: input.mobile,
    status: 'unknown',
    effectiveAt: toChinaIso(input.effectTime),
    expiresAt: toChinaIso(input.expireTime),
    details,
  };
}

/** The `getAccountInfo` fields that hold what `setLiveAccount` / `setVideoAccount` require. */
type CurrentQuota =
  | 'large_class_user_limit'
  | 'large_class_max_user_limit'
  | 'business_user_limit'
  | 'business_max_user_limit'
  | 'flow'
  | 'max_flow'
  | 'storage_limit'
  | 'max_storage_limit';

/** Whether a line of an update leaves out a value its setter requires. */
function lacksRequired(products: BaijiayunUpdateInput['products']): boolean {
  const { largeClass, business, video } = products ?? {};
  const live = [largeClass, business].some(
    (line) => line !== undefined && (line.userLimit === undefined || line.maxUserLimit === undefined),
  );
  const vod =
    video !== undefined &&
    [video.flow, video.maxFlow, video.storageLimit, video.maxStorageLimit].some((v) => v === undefined);
  return live || vod;
}

/**
 * The value to send for a required quota: the one given, else the account's current one. Sending 0 for a
 * value the caller did not mention would wipe a concurrency-billed account's quota.
 */
function given(value: number | undefined, current: AccountInfo | undefined, field: CurrentQuota): number {
  if (value !== undefined) return value;
  const kept = current?.[field];
  if (kept === undefined) {
    throw new BaijiayunError(
      `baijiayun update: getAccountInfo reported no integer ${field} to keep; pass it explicitly`,
      { category: 'protocol', operation: 'getAccountInfo' },
    );
  }
  return kept;
}

function liveLine(
  id: string,
  productType: 1 | 4,
  line: BaijiayunLiveLine,
  current: AccountInfo | undefined,
): SetLiveAccountParams {
  const prefix = productType === 1 ? 'large_class' : 'business';
  return {
    sub_partner_id: id,
    product_type: productType,
    user_limit: given(line.userLimit, current, `${prefix}_user_limit`),
    max_user_limit: given(line.maxUserLimit, current, `${prefix}_max_user_limit`),
    status: flag(line.enabled),
    live_max_speakers: line.maxSpeakers,
  };
}

/**
 * Creates the Baijiayun client.
 *
 * Every call first takes a slot from the rate limiter (by default shared by all clients of this process with
 * the same partner id and host, `config.rateLimitRequests` per `config.rateLimitWindowMs`), so bursts wait
 * instead of tripping the platform's 200 per 10 s limit. Read retries take a slot each too.
 */
export function createBaijiayunClient(
  config: BaijiayunConfig,
  deps: BaijiayunClientDeps = {},
): BaijiayunClient {
  const now = deps.now ?? (() => new Date());
  const baseFetch: FetchLike = (input, init) => (deps.fetch ?? fetch)(input, init);
  const limiter =
    deps.limiter ??
    sharedLimiter(`${config.partnerId}@${new URL(config.baseUrl).host}`, {
      requests: config.rateLimitRequests,
      windowMs: config.rateLimitWindowMs,
    });

  async function call<T>(
    endpoint: BaijiayunEndpoint,
    params: object,
    mutates: boolean,
    decode: (data: unknown) => T,
  ): Promise<T> {
    const wire = toWireParams(endpoint, params);
    // The slot is taken before the timestamp is stamped, so a long wait cannot make it stale, and before
    // `request` starts its timeout, so waiting here never reads as a timeout (nor as an unknown outcome).
    await limiter.acquire();
    const fields: Record<string, string | undefined> = {
      ...wire,
      partner_id: config.partnerId,
      timestamp: String(Math.floor(now().getTime() / 1000)),
    };
    fields.sign = sign(fields, config.partnerKey);
    let attempts = 0;
    // Read retries are sent again and must count against the budget too. Their wait runs inside the attempt's
    // timeout; only reads are retried, so a wait that outlasts it costs one attempt, never an unknown outcome.
    const limitedFetch: FetchLike = async (input, init) => {
      attempts += 1;
      if (attempts > 1) await limiter.acquire();
      return baseFetch(input, init);
    };
    return request(
      {
        platform: 'baijiayun',
        operation: endpoint,
        method: 'POST',
        url: `${config.baseUrl}/openapi/new_sub/${endpoint}`,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: encodeForm(fields),
        mutates,
      },
      {
        fetch: limitedFetch,
        timeoutMs: config.timeoutMs,
        readRetries: deps.readRetries,
        retryBaseMs: deps.retryBaseMs,
      },
      (answer) => interpretAnswer(endpoint, answer, decode),
    );
  }

  /**
   * Fetches pages of one walk through `getSubAccountList`. The largest `page_size` is undocumented: if
   * the first page of the walk is refused with 1001 (parameter error) while we set one, it is asked again
   * once without, and the rest of the walk uses the server's default too (page numbers only line up with
   * one size). A later 1001 cannot be about a size the server already took, so it is thrown.
   */
  function pager(status: 0 | 1 | 2, pageSize: number): (page: number) => Promise<SubAccountListPage> {
    let size: number | undefined = pageSize;
    let first = true;
    return async (page) => {
      const isFirst = first;
      first = false;
      try {
        return await client.getSubAccountList({ status, page, page_size: size });
      } catch (error) {
        const refusedSize = error instanceof BaijiayunError && error.code === '1001';
        if (!isFirst || size === undefined || !refusedSize) throw error;
        size = undefined;
        return client.getSubAccountList({ status, page });
      }
    };
  }

  const client: BaijiayunClient = {
    name: 'baijiayun',
    supports: SUPPORTED,

    getSubAccountList: (params = {}) => call('getSubAccountList', params, false, decodeListPage),
    addSubAccount: (params) => call('addSubAccount', params, true, decodeAddResult),
    getAccountInfo: (subPartnerId) =>
      call('getAccountInfo', { sub_partner_id: subPartnerId }, false, decodeAccountInfo),
    setLiveAccount: (params) => call('setLiveAccount', params, true, decodeNothing),
    setVideoAccount: (params) => call('setVideoAccount', params, true, decodeNothing),
    setCreditMoney: (params) => call('setCreditMoney', params, true, decodeNothing),
    setAccountStatus: (params) => call('setAccountStatus', params, true, decodeNothing),
    updateSubAccount: (params) => call('updateSubAccount', params, true, decodeNothing),

    async create(input: BaijiayunCreateInput): Promise<CreateResult> {
      let added: AddSubAccountResult;
      try {
        added = await client.addSubAccount(addParams(input));
      } catch (error) {
        // A taken mobile comes back as code 1 with an undocumented msg: only a lookup can tell it apart from
        // other refusals. If the lookup itself fails, its (usually transient) error is the honest answer.
        if (mayBeDuplicate(error) && (await client.findByNaturalKey(input.mobile))) {
          return { outcome: 'already-exists', naturalKey: input.mobile };
        }
        throw error;
      }
      const id = added.partner_id;
      try {
        const { credentials, ...account } = accountInfoToSubAccount(
          id,
          await client.getAccountInfo(id),
          now(),
        );
        return { outcome: 'created', account, credentials: { ...credentials, password: input.password } };
      } catch {
        // The sub-account exists whatever happened to this read; failing now would make the caller create
        // it again. Its keys are still to be read (with `get`), and the answer says so.
        return {
          outcome: 'created',
          account: accountFromInput(id, input),
          credentials: { password: input.password },
          credentialsComplete: false,
        };
      }
    },

    async findByNaturalKey(mobile: string): Promise<SubAccount | undefined> {
      const seen = new Set<string>();
      // An entry the platform listed without a mobile can never be the one asked for.
      const search = (page: SubAccountListPage): SubAccountListItem | undefined => {
        for (const item of page.list) seen.add(item.partner_id);
        return page.list.find((item) => item.mobile !== undefined && item.mobile === mobile);
      };
      const fetchPage = pager(0, BAIJIAYUN_MAX_PAGE_SIZE);
      const first = await fetchPage(1);
      let found = search(first);
      // The server decides the real page size; page by the length it gave, not the one we asked for.
      const served = first.list.length;
      if (found || served === 0 || seen.size >= first.total) {
        return found && listItemToSubAccount(found, 'unknown');
      }
      // The order is undocumented and a just-created account is likely first or last: after page 1, walk
      // from the last page backwards so a recent account costs two calls, not a full scan.
      for (let page = Math.ceil(first.total / served); page >= 2 && !found; page--) {
        const result = await fetchPage(page);
        found = search(result);
        if (seen.size >= result.total) break;
      }
      return found && listItemToSubAccount(found, 'unknown');
    },

    /** The list finds the id by mobile; getAccountInfo then gives the credentials. */
    async findExisting(input: BaijiayunCreateInput): Promise<SubAccountWithCredentials | undefined> {
      const found = await client.findByNaturalKey(input.mobile);
      return found && client.get(found.id);
    },

    async get(id: string): Promise<SubAccountWithCredentials | undefined> {
      try {
        return accountInfoToSubAccount(id, await client.getAccountInfo(id), now());
      } catch (error) {
        if (error instanceof PlatformError && error.category === 'not-found') return undefined;
        throw error;
      }
    },

    async *list(options: ListOptions = {}): AsyncIterable<SubAccount> {
      const status = LIST_STATUS[options.status ?? 'all'];
      const fetchPage = pager(status, clampPageSize(options.pageSize));
      const seen = new Set<string>();
      for (let page = 1; ; page++) {
        const result = await fetchPage(page);
        const fresh = result.list.filter((item) => !seen.has(item.partner_id));
        for (const item of fresh) {
          seen.add(item.partner_id);
          yield listItemToSubAccount(item, STATUS_OF_FILTER[status]);
        }
        // A page with nothing new means the end (or a server ignoring `page`): stop rather than loop.
        if (fresh.length === 0 || seen.size >= result.total) return;
      }
    },

    async suspend(id: string): Promise<LifecycleResult> {
      await client.setAccountStatus({ sub_partner_id: id, status: 0 });
      return { outcome: 'applied' };
    },

    async resume(id: string): Promise<LifecycleResult> {
      await client.setAccountStatus({ sub_partner_id: id, status: 1 });
      return { outcome: 'applied' };
    },

    async close(id: string): Promise<LifecycleResult> {
      await client.setAccountStatus({ sub_partner_id: id, status: 0 });
      // There is no delete: an expiry of now makes the platform itself keep the account off even if someone
      // enables it again. An account that has not started yet would then expire before it starts, which a
      // strict platform may refuse: its start moves to now too. Every call is idempotent, so a retry after
      // a failure in between is safe.
      const info = await client.getAccountInfo(id);
      const at = now();
      const stamp = chinaDateTime(at);
      const effect = info.effect_time === undefined ? undefined : parseChinaDateTime(info.effect_time);
      const startsLater = effect !== undefined && effect.getTime() > at.getTime();
      await client.updateSubAccount({
        sub_partner_id: id,
        effect_time: startsLater ? stamp : undefined,
        expire_time: stamp,
      });
      return { outcome: 'applied' };
    },

    async update(id: string, changes: BaijiayunUpdateInput): Promise<LifecycleResult> {
      const profile: UpdateSubAccountParams = {
        sub_partner_id: id,
        mobile: changes.mobile,
        email: changes.email,
        password: changes.password,
        company: changes.company,
        contacts: changes.contacts,
        effect_time: changes.effectTime && chinaDateTime(changes.effectTime),
        expire_time: changes.expireTime && chinaDateTime(changes.expireTime),
      };
      const { sub_partner_id: _id, ...profileFields } = profile;
      const { largeClass, smallClass, business, video } = changes.products ?? {};
      // The setters require every limit. What the caller left out is resent as the account has it, read
      // once, before anything changes (so a failed read changes nothing).
      const current = lacksRequired(changes.products) ? await client.getAccountInfo(id) : undefined;
      const large = largeClass && liveLine(id, 1, largeClass, current);
      const biz = business && liveLine(id, 4, business, current);
      const vod: SetVideoAccountParams | undefined = video && {
        sub_partner_id: id,
        flow: given(video.flow, current, 'flow'),
        max_flow: given(video.maxFlow, current, 'max_flow'),
        storage_limit: given(video.storageLimit, current, 'storage_limit'),
        max_storage_limit: given(video.maxStorageLimit, current, 'max_storage_limit'),
        status: flag(video.enabled),
      };
      // Each call is an idempotent "set": if one fails, the earlier ones stay applied and a retry of the
      // whole update converges.
      if (Object.values(profileFields).some((value) => value !== undefined))
        await client.updateSubAccount(profile);
      if (large) await client.setLiveAccount(large);
      if (smallClass) {
        // Small class has no concurrency limits in this API: the doc's "非并发计费账号传0".
        await client.setLiveAccount({
          sub_partner_id: id,
          product_type: 2,
          user_limit: 0,
          max_user_limit: 0,
          status: flag(smallClass.enabled),
        });
      }
      if (biz) await client.setLiveAccount(biz);
      if (vod) await client.setVideoAccount(vod);
      if (changes.creditMoney !== undefined) {
        await client.setCreditMoney({ sub_partner_id: id, credit_money: changes.creditMoney });
      }
      return { outcome: 'applied' };
    },

    async masterAccountInfo(): Promise<MasterAccountInfo> {
      // No master-account endpoint among the eight: the cheapest signed call proves the partner id and key,
      // and its total is worth showing.
      const page = await pager(0, 1)(1);
      return { platform: 'baijiayun', name: config.partnerId, details: { subAccountTotal: page.total } };
    },
  };
  return client;
}
