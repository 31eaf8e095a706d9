import { parseChinaDateTime } from '../../shared/platforms/china-time.ts';
import { DuplicateEmailError, DuplicateMobileError } from '../errors.ts';
import { type Answer, fail, ok, UNKNOWN_ACCOUNT_MSG } from './answers.ts';
import { ENDPOINT_FIELDS, type SimEndpoint } from './endpoints.ts';
import type { BaijiayunSimulatorState, SimAccount } from './state.ts';

/** What the endpoints depend on: the simulator's options (see `BaijiayunSimulatorOptions`), defaults applied. */
export interface HandlerSettings {
  /** For status 1 ("使用中"): enabled and within `effect_time`..`expire_time`. */
  readonly now: () => Date;
  /** `page_size` when absent. */
  readonly defaultPageSize: number;
  /** The largest `page_size` served. */
  readonly maxPageSize: number;
  /** What a larger `page_size` gets: `maxPageSize` silently (`cap`), or 1001 (`refuse`). */
  readonly overMaxPageSize: 'cap' | 'refuse';
}

/** Performs one endpoint on fields that passed the request checks. */
export type Execute = (endpoint: SimEndpoint, fields: ReadonlyMap<string, string>) => Answer;

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

/**
 * The 1001 text unless an account expires strictly after it takes effect: an `expire_time` equal to the
 * `effect_time` is refused as well, as the platform does.
 */
function expiresBeforeEffect(effect: string | undefined, expire: string | undefined): string | undefined {
  const from = effect === undefined ? undefined : parseChinaDateTime(effect);
  const until = expire === undefined ? undefined : parseChinaDateTime(expire);
  if (from === undefined || until === undefined || until.getTime() > from.getTime()) return undefined;
  return 'expire_time 必须晚于 effect_time';
}

/** Closing a product line that was never opened leaves it "never opened" (0); otherwise it becomes closed (2). */
const lineStatus = (current: number, requested: number): number =>
  requested === 1 ? 1 : current === 0 ? 0 : 2;

/**
 * The per-endpoint behaviour over the stored accounts: paging in creation order, creation (code 1
 * "手机号已存在" for a taken mobile, "邮箱已存在" for a taken email, on update too), 2001 for an unknown
 * sub-account, 2003 for limits on a line not open, 1001 unless `expire_time` is strictly after
 * `effect_time` (the stored one standing in for the one not sent).
 */
export function createExecute(state: BaijiayunSimulatorState, settings: HandlerSettings): Execute {
  const { now, defaultPageSize, maxPageSize, overMaxPageSize } = settings;

  function inUse(account: SimAccount): boolean {
    const at = now().getTime();
    const from = parseChinaDateTime(account.effect_time)?.getTime() ?? Number.POSITIVE_INFINITY;
    const until = parseChinaDateTime(account.expire_time)?.getTime() ?? Number.NEGATIVE_INFINITY;
    return account.enabled && from <= at && at < until;
  }

  return function execute(endpoint: SimEndpoint, fields: ReadonlyMap<string, string>): Answer {
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
        if (error instanceof DuplicateEmailError) return fail(1, '邮箱已存在');
        throw error;
      }
    }
    const account = state.byId(fields.get('sub_partner_id') ?? '');
    if (!account) return fail(2001, UNKNOWN_ACCOUNT_MSG);
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
        const email = fields.get('email');
        const emailHolder = email === undefined ? undefined : state.byEmail(email);
        if (emailHolder && emailHolder !== account) return fail(1, '邮箱已存在');
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
  };
}
