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
import { chinaDateTime, parseChinaDateTime } from '../china-time.ts';
import { type BaijiayunApi, BaijiayunEndpoints } from './endpoints.ts';
import { BaijiayunError, closeIncompleteError } from './errors.ts';
import type { BaijiayunCreateInput, BaijiayunPlatform, BaijiayunUpdateInput } from './inputs.ts';
import { accountFromInput, addParams, flag, lacksRequired, liveLine, videoLine } from './mapping.ts';
import type { BaijiayunConfig } from './settings.ts';
import { type BaijiayunClientDeps, BaijiayunTransport } from './transport.ts';
import {
  type AccountInfo,
  type AddSubAccountResult,
  accountInfoToSubAccount,
  listItemToSubAccount,
  type SubAccountListItem,
  type SubAccountListPage,
  type UpdateSubAccountParams,
} from './wire.ts';

export type { BaijiayunClientDeps } from './transport.ts';

/**
 * The Baijiayun sub-account client: the {@link BaijiayunPlatform} port plus one typed method per `new_sub`
 * endpoint ({@link BaijiayunApi}), in the platform's own field names. `partner_id`, `timestamp` and `sign`
 * are added to every call.
 */
export interface BaijiayunClient extends BaijiayunPlatform, BaijiayunApi {}

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

/**
 * The `updateSubAccount` times that expire an account now, or `undefined` when it has expired already.
 * The platform wants `expire_time` strictly after `effect_time` (to the second), so an account whose start
 * is not at least a second in the past (or unreadable) has its start moved to one second before now: every
 * call stays valid whatever the account's `effect_time`.
 */
function closingTimes(
  info: AccountInfo,
  at: Date,
): { effect_time?: string | undefined; expire_time: string } | undefined {
  const expire = info.expire_time === undefined ? undefined : parseChinaDateTime(info.expire_time);
  if (expire !== undefined && expire.getTime() <= at.getTime()) return undefined;
  const now = Math.floor(at.getTime() / 1000) * 1000;
  const effect = info.effect_time === undefined ? undefined : parseChinaDateTime(info.effect_time);
  const started = effect !== undefined && effect.getTime() < now;
  return {
    effect_time: started ? undefined : chinaDateTime(new Date(now - 1000)),
    expire_time: chinaDateTime(new Date(now)),
  };
}

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

/**
 * The Baijiayun client: the port operations on top of the typed endpoints of {@link BaijiayunEndpoints},
 * every call rate-limited and signed by a {@link BaijiayunTransport}.
 */
export class BaijiayunRestClient extends BaijiayunEndpoints implements BaijiayunClient {
  readonly name = 'baijiayun';
  readonly supports = SUPPORTED;
  readonly #partnerId: string;
  readonly #now: () => Date;

  constructor(config: BaijiayunConfig, deps: BaijiayunClientDeps = {}) {
    const transport = new BaijiayunTransport(config, deps);
    super(transport);
    this.#partnerId = config.partnerId;
    this.#now = transport.now;
  }

  async create(input: BaijiayunCreateInput): Promise<CreateResult> {
    let added: AddSubAccountResult;
    try {
      added = await this.addSubAccount(addParams(input));
    } catch (error) {
      // A taken mobile comes back as code 1 with an undocumented msg: only a lookup can tell it apart from
      // other refusals. If the lookup itself fails, its (usually transient) error is the honest answer.
      if (mayBeDuplicate(error) && (await this.findByNaturalKey(input.mobile))) {
        return { outcome: 'already-exists', naturalKey: input.mobile };
      }
      throw error;
    }
    const id = added.partner_id;
    try {
      const { credentials, ...account } = accountInfoToSubAccount(
        id,
        await this.getAccountInfo(id),
        this.#now(),
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
  }

  async findByNaturalKey(mobile: string): Promise<SubAccount | undefined> {
    const seen = new Set<string>();
    // An entry the platform listed without a mobile can never be the one asked for.
    const search = (page: SubAccountListPage): SubAccountListItem | undefined => {
      for (const item of page.list) seen.add(item.partner_id);
      return page.list.find((item) => item.mobile !== undefined && item.mobile === mobile);
    };
    const fetchPage = this.#pager(0, BAIJIAYUN_MAX_PAGE_SIZE);
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
  }

  /** The list finds the id by mobile; getAccountInfo then gives the credentials. */
  async findExisting(input: BaijiayunCreateInput): Promise<SubAccountWithCredentials | undefined> {
    const found = await this.findByNaturalKey(input.mobile);
    return found && this.get(found.id);
  }

  async get(id: string): Promise<SubAccountWithCredentials | undefined> {
    try {
      return accountInfoToSubAccount(id, await this.getAccountInfo(id), this.#now());
    } catch (error) {
      if (error instanceof PlatformError && error.category === 'not-found') return undefined;
      throw error;
    }
  }

  /**
   * Every sub-account, with its real state: a list item carries no status of its own, but the list's filter
   * does, so "all" lists the enabled ones (filter 1) and then the stopped or not yet opened ones (filter 2).
   */
  async *list(options: ListOptions = {}): AsyncIterable<SubAccount> {
    const filters =
      options.status === undefined || options.status === 'all'
        ? ([1, 2] as const)
        : [LIST_STATUS[options.status]];
    const seen = new Set<string>();
    const sizing: { size: number | undefined } = { size: clampPageSize(options.pageSize) };
    for (const status of filters) yield* this.#listFiltered(status, sizing, seen);
  }

  async *#listFiltered(
    status: 1 | 2,
    sizing: { size: number | undefined },
    seen: Set<string>,
  ): AsyncIterable<SubAccount> {
    const fetchPage = this.#pager(status, sizing);
    const own = new Set<string>();
    for (let page = 1; ; page++) {
      const result = await fetchPage(page);
      const fresh = result.list.filter((item) => !own.has(item.partner_id));
      for (const item of fresh) {
        own.add(item.partner_id);
        // An account that changed state between the two passes is reported once, as first seen.
        if (seen.has(item.partner_id)) continue;
        seen.add(item.partner_id);
        yield listItemToSubAccount(item, STATUS_OF_FILTER[status]);
      }
      // A page with nothing new means the end (or a server ignoring `page`): stop rather than loop.
      if (fresh.length === 0 || own.size >= result.total) return;
    }
  }

  async suspend(id: string): Promise<LifecycleResult> {
    await this.setAccountStatus({ sub_partner_id: id, status: 0 });
    return { outcome: 'applied' };
  }

  async resume(id: string): Promise<LifecycleResult> {
    await this.setAccountStatus({ sub_partner_id: id, status: 1 });
    return { outcome: 'applied' };
  }

  /**
   * Closes for good, as far as this platform allows: there is no delete, so the account is expired (the
   * platform itself then keeps it off, even if someone enables it again) and disabled.
   *
   * The order makes a failure either change nothing or be retried: the read comes first (a sub-account
   * proven gone ends here as `not-found`, which is a close reached); the expiry, the call the platform may
   * refuse on its merits, comes next, so such a refusal leaves the account as it was; the disable comes
   * last, and its failure leaves the account expired but enabled, reported as a retryable
   * `BaijiayunCloseIncompleteError`. A retry reads the expiry already in place and only disables.
   */
  async close(id: string): Promise<LifecycleResult> {
    const info = await this.getAccountInfo(id);
    const expiry = closingTimes(info, this.#now());
    if (expiry) await this.updateSubAccount({ sub_partner_id: id, ...expiry });
    try {
      await this.setAccountStatus({ sub_partner_id: id, status: 0 });
    } catch (error) {
      // A sub-account gone by now has nothing left to close; anything else leaves it half-closed.
      if (error instanceof PlatformError && error.category === 'not-found') throw error;
      throw closeIncompleteError(id, error);
    }
    return { outcome: 'applied' };
  }

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
    const current = lacksRequired(changes.products) ? await this.getAccountInfo(id) : undefined;
    const large = largeClass && liveLine(id, 1, largeClass, current);
    const biz = business && liveLine(id, 4, business, current);
    const vod = video && videoLine(id, video, current);
    // Each call is an idempotent "set": if one fails, the earlier ones stay applied and a retry of the
    // whole update converges.
    if (Object.values(profileFields).some((value) => value !== undefined))
      await this.updateSubAccount(profile);
    if (large) await this.setLiveAccount(large);
    if (smallClass) {
      // Small class has no concurrency limits in this API: the doc's "非并发计费账号传0".
      await this.setLiveAccount({
        sub_partner_id: id,
        product_type: 2,
        user_limit: 0,
        max_user_limit: 0,
        status: flag(smallClass.enabled),
      });
    }
    if (biz) await this.setLiveAccount(biz);
    if (vod) await this.setVideoAccount(vod);
    if (changes.creditMoney !== undefined) {
      await this.setCreditMoney({ sub_partner_id: id, credit_money: changes.creditMoney });
    }
    return { outcome: 'applied' };
  }

  async masterAccountInfo(): Promise<MasterAccountInfo> {
    // No master-account endpoint among the eight: the cheapest signed call proves the partner id and key,
    // and its total is worth showing.
    const page = await this.#pager(0, 1)(1);
    return { platform: 'baijiayun', name: this.#partnerId, details: { subAccountTotal: page.total } };
  }

  /**
   * Fetches pages of one walk through `getSubAccountList`. The largest `page_size` is undocumented: if
   * the first page of the walk is refused with 1001 (parameter error) while we set one, it is asked again
   * once without, and the rest of the walk uses the server's default too (page numbers only line up with
   * one size). A later 1001 cannot be about a size the server already took, so it is thrown.
   */
  /** `sizing` is shared by the passes of one listing, so a refused page size is asked for only once. */
  #pager(
    status: 0 | 1 | 2,
    pageSize: number | { size: number | undefined },
  ): (page: number) => Promise<SubAccountListPage> {
    const sizing: { size: number | undefined } = typeof pageSize === 'number' ? { size: pageSize } : pageSize;
    let first = true;
    return async (page) => {
      const isFirst = first;
      first = false;
      const size = sizing.size;
      try {
        return await this.getSubAccountList({ status, page, page_size: size });
      } catch (error) {
        const refusedSize = error instanceof BaijiayunError && error.code === '1001';
        if (!isFirst || size === undefined || !refusedSize) throw error;
        sizing.size = undefined;
        return this.getSubAccountList({ status, page });
      }
    };
  }
}

/**
 * Creates the Baijiayun client.
 *
 * Every call first takes a slot of the partner's rate budget (`config.rateLimitRequests` per 10 s, paced
 * evenly; see `BaijiayunClientDeps.rateBudget`), so bursts wait instead of tripping the platform's 200 per
 * 10 s limit. Read retries take a slot each too.
 */
export function createBaijiayunClient(
  config: BaijiayunConfig,
  deps: BaijiayunClientDeps = {},
): BaijiayunClient {
  return new BaijiayunRestClient(config, deps);
}
