import type { Secret } from '../../secret.ts';

/*
 * The wire types of the `new_sub` API: what each of its eight endpoints takes and answers. They use the
 * platform's own snake_case names on purpose: they are the vendor contract, and the port mapping in
 * `wire.ts` is the only place that translates them.
 */

/** The eight `openapi/new_sub` endpoints, which are also the operation names in errors and faults. */
export const BAIJIAYUN_ENDPOINTS = [
  'getSubAccountList',
  'addSubAccount',
  'getAccountInfo',
  'setLiveAccount',
  'setVideoAccount',
  'setCreditMoney',
  'setAccountStatus',
  'updateSubAccount',
] as const;
/** One of {@link BAIJIAYUN_ENDPOINTS}. */
export type BaijiayunEndpoint = (typeof BAIJIAYUN_ENDPOINTS)[number];

/** Product line states: 0 never opened, 1 open, 2 closed. */
export interface ProductStatuses {
  readonly large_class_status?: number | undefined;
  readonly small_class_status?: number | undefined;
  readonly business_status?: number | undefined;
  readonly video_status?: number | undefined;
}

/** `getSubAccountList` request (partner_id, timestamp and sign are added by the client). */
export interface GetSubAccountListParams {
  /** 0 all (default), 1 in use, 2 stopped or not opened. */
  readonly status?: 0 | 1 | 2 | undefined;
  /** 1-based. */
  readonly page?: number | undefined;
  readonly page_size?: number | undefined;
}

/**
 * Numeric fields the platform sent in a form we do not read as an integer (`"300.00"`, `1.5`), kept raw
 * under their wire names so nothing is lost and one odd value does not sink the whole answer.
 */
export type UnparsedFields = Readonly<Record<string, string | number>>;

/** One entry of `getSubAccountList`; `partner_id` normalised to a string. */
export interface SubAccountListItem extends ProductStatuses {
  readonly partner_id: string;
  /** Absent when the platform sent none: such an entry is listed but never matched by mobile. */
  readonly mobile?: string | undefined;
  readonly email?: string | undefined;
  readonly contacts?: string | undefined;
  readonly company?: string | undefined;
  /** `yyyy-MM-dd HH:mm:ss`, UTC+8, as sent. */
  readonly effect_time?: string | undefined;
  readonly expire_time?: string | undefined;
  readonly unparsed?: UnparsedFields | undefined;
}

/** `getSubAccountList` data. `total` counts every matching account, not this page. */
export interface SubAccountListPage {
  readonly total: number;
  readonly list: readonly SubAccountListItem[];
}

/** Limits of the live product lines, shared by `addSubAccount` and `getAccountInfo`. */
export interface LiveLimits {
  readonly large_class_user_limit?: number | undefined;
  readonly large_class_max_user_limit?: number | undefined;
  readonly business_user_limit?: number | undefined;
  readonly business_max_user_limit?: number | undefined;
  readonly large_class_live_max_speakers?: number | undefined;
  readonly business_live_max_speakers?: number | undefined;
}

/** Video quotas and credit, shared by `addSubAccount` and `getAccountInfo`. */
export interface Quotas {
  readonly credit_money?: number | undefined;
  readonly flow?: number | undefined;
  readonly max_flow?: number | undefined;
  readonly storage_limit?: number | undefined;
  readonly max_storage_limit?: number | undefined;
}

/** `addSubAccount` request. Times are `yyyy-MM-dd HH:mm:ss` in UTC+8; statuses 0/1. */
export interface AddSubAccountParams extends LiveLimits, Quotas {
  readonly mobile: string;
  readonly email: string;
  readonly password: Secret;
  readonly effect_time: string;
  readonly expire_time: string;
  readonly large_class_status?: 0 | 1 | undefined;
  readonly small_class_status?: 0 | 1 | undefined;
  readonly business_status?: 0 | 1 | undefined;
  readonly video_status?: 0 | 1 | undefined;
  readonly company?: string | undefined;
  readonly contacts?: string | undefined;
}

/** `addSubAccount` data: the new sub-account's id (sent as a string by the platform). */
export interface AddSubAccountResult {
  readonly partner_id: string;
}

/** `getAccountInfo` data, flat; secrets wrapped. `partner_id` is in the doc's table but not its example. */
export interface AccountInfo extends ProductStatuses, LiveLimits, Quotas {
  readonly partner_id?: string | undefined;
  readonly mobile: string;
  readonly email?: string | undefined;
  readonly effect_time?: string | undefined;
  readonly expire_time?: string | undefined;
  readonly company?: string | undefined;
  readonly contacts?: string | undefined;
  readonly private_domain?: string | undefined;
  readonly password?: Secret | undefined;
  readonly partner_key?: Secret | undefined;
  readonly secret_key?: Secret | undefined;
  readonly unparsed?: UnparsedFields | undefined;
}

/** `setLiveAccount` request. `user_limit`/`max_user_limit` are required by the platform (0 outside concurrency billing). */
export interface SetLiveAccountParams {
  readonly sub_partner_id: string;
  /** 1 large class, 2 small class, 4 enterprise live. */
  readonly product_type: 1 | 2 | 4;
  readonly user_limit: number;
  readonly max_user_limit: number;
  readonly status?: 0 | 1 | undefined;
  readonly live_max_speakers?: number | undefined;
}

/** `setVideoAccount` request; the four quotas are required (0 in pay-as-you-go billing). */
export interface SetVideoAccountParams {
  readonly sub_partner_id: string;
  readonly flow: number;
  readonly max_flow: number;
  readonly storage_limit: number;
  readonly max_storage_limit: number;
  readonly status?: 0 | 1 | undefined;
}

/** `setCreditMoney` request. */
export interface SetCreditMoneyParams {
  readonly sub_partner_id: string;
  readonly credit_money: number;
}

/** `setAccountStatus` request: 0 disables, 1 enables. */
export interface SetAccountStatusParams {
  readonly sub_partner_id: string;
  readonly status: 0 | 1;
}

/** `updateSubAccount` request: only present fields are sent. */
export interface UpdateSubAccountParams {
  readonly sub_partner_id: string;
  readonly mobile?: string | undefined;
  readonly email?: string | undefined;
  readonly password?: Secret | undefined;
  readonly contacts?: string | undefined;
  readonly company?: string | undefined;
  readonly effect_time?: string | undefined;
  readonly expire_time?: string | undefined;
}
