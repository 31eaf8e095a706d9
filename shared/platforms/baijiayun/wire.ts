import type {
  DetailValue,
  SubAccount,
  SubAccountStatus,
  SubAccountWithCredentials,
} from '../../ports/platform.ts';
import { Secret } from '../../secret.ts';
import { parseChinaDateTime, toChinaIso } from '../china-time.ts';
import type { HttpAnswer } from '../http.ts';
import { AnswerShapeError, BaijiayunError, protocolError, vendorError } from './errors.ts';
import type { WireParams } from './signing.ts';

/*
 * The wire format of the `new_sub` API, kept apart from I/O so recorded answers can be decoded in tests.
 * Low-level parameter and result types use the platform's own snake_case names on purpose: they are the
 * vendor contract, and the port mapping below is the only place that translates them.
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

// ---------------------------------------------------------------- requests

/**
 * Turns typed parameters (strings, integers, {@link Secret}s) into wire strings: integers as decimal digits, secrets revealed (they leave for
 * the platform here), absent values kept as `undefined` so neither the body nor the signature has them.
 * A non-integer number would be refused by the platform anyway; refusing it here avoids a wasted call.
 */
export function toWireParams(operation: string, params: object): WireParams {
  const wire: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(params) as [string, unknown][]) {
    if (value === undefined) continue;
    if (value instanceof Secret) wire[key] = value.reveal();
    else if (typeof value === 'string') wire[key] = value;
    else if (typeof value === 'number' && Number.isSafeInteger(value)) wire[key] = String(value);
    else {
      throw new BaijiayunError(`baijiayun ${operation}: ${key} must be an integer or a string`, {
        category: 'invalid-request',
        operation,
      });
    }
  }
  return wire;
}

/** `application/x-www-form-urlencoded` body of the given fields (UTF-8, absent ones left out). */
export function encodeForm(fields: WireParams): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) form.append(key, value);
  return form.toString();
}

// ---------------------------------------------------------------- answers

type Obj = Readonly<Record<string, unknown>>;

function asObject(value: unknown, path: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AnswerShapeError(`${path} is not an object`);
  }
  return value as Obj;
}

const INTEGER_TEXT = /^-?\d+$/;

function optionalInt(obj: Obj, key: string, path: string): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  // Some PHP back ends print integers as strings; the value is still an integer.
  if (typeof value === 'string' && INTEGER_TEXT.test(value)) return Number(value);
  throw new AnswerShapeError(`${path}.${key} is not an integer`);
}

/**
 * An optional integer that does not fail the answer when it is not one: a number or text we cannot read
 * as an integer (`credit_money: "300.00"`) is put in `unparsed` raw and reads as absent. Only a value of
 * another type altogether (object, boolean) is a shape error.
 */
function lenientInt(
  obj: Obj,
  key: string,
  path: string,
  unparsed: Record<string, string | number>,
): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && INTEGER_TEXT.test(value) && Number.isSafeInteger(Number(value))) {
    return Number(value);
  }
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'string') {
    unparsed[key] = value;
    return undefined;
  }
  throw new AnswerShapeError(`${path}.${key} is not a number`);
}

const orUndefined = (unparsed: Record<string, string | number>): UnparsedFields | undefined =>
  Object.keys(unparsed).length === 0 ? undefined : unparsed;

function requiredInt(obj: Obj, key: string, path: string): number {
  const value = optionalInt(obj, key, path);
  if (value === undefined) throw new AnswerShapeError(`${path}.${key} is missing`);
  return value;
}

function optionalString(obj: Obj, key: string, path: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new AnswerShapeError(`${path}.${key} is not a string`);
}

function requiredString(obj: Obj, key: string, path: string): string {
  const value = optionalString(obj, key, path);
  if (value === undefined) throw new AnswerShapeError(`${path}.${key} is missing`);
  return value;
}

function optionalSecret(obj: Obj, key: string, path: string): Secret | undefined {
  const value = optionalString(obj, key, path);
  return value === undefined || value === '' ? undefined : new Secret(value);
}

/** Account ids come as a number in lists and as a string from `addSubAccount`: always a digit string here. */
function id(obj: Obj, key: string, path: string, required: true): string;
function id(obj: Obj, key: string, path: string, required: false): string | undefined;
function id(obj: Obj, key: string, path: string, required: boolean): string | undefined {
  const value = obj[key];
  if ((value === undefined || value === null || value === '') && !required) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return String(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return value;
  throw new AnswerShapeError(`${path}.${key} is not an account id`);
}

function productStatuses(obj: Obj, path: string, unparsed: Record<string, string | number>): ProductStatuses {
  return {
    large_class_status: lenientInt(obj, 'large_class_status', path, unparsed),
    small_class_status: lenientInt(obj, 'small_class_status', path, unparsed),
    business_status: lenientInt(obj, 'business_status', path, unparsed),
    video_status: lenientInt(obj, 'video_status', path, unparsed),
  };
}

/**
 * The entries of `data.list`: an array as documented, or an object keyed by index (what a PHP back end
 * prints for an array whose keys are not 0..n-1), in key order.
 */
function listEntries(body: Obj): unknown[] {
  const raw = body.list ?? [];
  if (Array.isArray(raw)) return raw;
  if (typeof raw === 'object' && raw !== null) return Object.values(raw);
  throw new AnswerShapeError('data.list is not an array');
}

/**
 * Decodes `getSubAccountList` data; product statuses may be nested in `product_status` or flat. An entry
 * without a mobile is kept (it exists on the platform), and odd numbers are kept raw (see `lenientInt`);
 * only an entry without a readable `partner_id`, or a page without `total`, fails the page.
 */
export function decodeListPage(data: unknown): SubAccountListPage {
  const body = asObject(data, 'data');
  const list = listEntries(body).map((raw: unknown, index): SubAccountListItem => {
    const path = `data.list[${index}]`;
    const item = asObject(raw, path);
    const nested =
      item.product_status === undefined || item.product_status === null
        ? item
        : asObject(item.product_status, `${path}.product_status`);
    const unparsed: Record<string, string | number> = {};
    const mobile = optionalString(item, 'mobile', path);
    return {
      partner_id: id(item, 'partner_id', path, true),
      mobile: mobile === '' ? undefined : mobile,
      email: optionalString(item, 'email', path),
      contacts: optionalString(item, 'contacts', path),
      company: optionalString(item, 'company', path),
      effect_time: optionalString(item, 'effect_time', path),
      expire_time: optionalString(item, 'expire_time', path),
      ...productStatuses(nested, nested === item ? path : `${path}.product_status`, unparsed),
      unparsed: orUndefined(unparsed),
    };
  });
  return { total: requiredInt(body, 'total', 'data'), list };
}

/** Decodes `addSubAccount` data. */
export function decodeAddResult(data: unknown): AddSubAccountResult {
  return { partner_id: id(asObject(data, 'data'), 'partner_id', 'data', true) };
}

/**
 * Decodes `getAccountInfo` data (flat, although the list nests the product statuses). Numbers we cannot
 * read as integers are kept raw in `unparsed` instead of failing the read.
 */
export function decodeAccountInfo(data: unknown): AccountInfo {
  const body = asObject(data, 'data');
  const nested =
    body.product_status === undefined || body.product_status === null
      ? body
      : asObject(body.product_status, 'data.product_status');
  const unparsed: Record<string, string | number> = {};
  const int = (key: string) => lenientInt(body, key, 'data', unparsed);
  const str = (key: string) => optionalString(body, key, 'data');
  return {
    partner_id: id(body, 'partner_id', 'data', false),
    mobile: requiredString(body, 'mobile', 'data'),
    email: str('email'),
    effect_time: str('effect_time'),
    expire_time: str('expire_time'),
    company: str('company'),
    contacts: str('contacts'),
    private_domain: str('private_domain'),
    large_class_user_limit: int('large_class_user_limit'),
    large_class_max_user_limit: int('large_class_max_user_limit'),
    business_user_limit: int('business_user_limit'),
    business_max_user_limit: int('business_max_user_limit'),
    large_class_live_max_speakers: int('large_class_live_max_speakers'),
    business_live_max_speakers: int('business_live_max_speakers'),
    credit_money: int('credit_money'),
    flow: int('flow'),
    max_flow: int('max_flow'),
    storage_limit: int('storage_limit'),
    max_storage_limit: int('max_storage_limit'),
    ...productStatuses(nested, nested === body ? 'data' : 'data.product_status', unparsed),
    password: optionalSecret(body, 'password', 'data'),
    partner_key: optionalSecret(body, 'partner_key', 'data'),
    secret_key: optionalSecret(body, 'secret_key', 'data'),
    unparsed: orUndefined(unparsed),
  };
}

/** Setters answer `data: null`; whatever else comes is ignored, the code already said it worked. */
export function decodeNothing(_data: unknown): undefined {
  return undefined;
}

/**
 * Reads one HTTP answer: the `{code, msg, data, ts}` envelope, then `data` with `decode`. Throws a
 * {@link BaijiayunError} for any code other than 0 and a `protocol` one for anything unreadable. Bodies are
 * never copied into errors (they may hold credentials).
 */
export function interpretAnswer<T>(operation: string, answer: HttpAnswer, decode: (data: unknown) => T): T {
  const httpOk = answer.status >= 200 && answer.status < 300;
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    body = undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('code' in body)) {
    if (!httpOk) {
      const category = answer.status === 401 || answer.status === 403 ? 'authentication' : 'protocol';
      throw new BaijiayunError(`baijiayun ${operation}: HTTP ${answer.status} without a readable body`, {
        category,
        code: `HTTP ${answer.status}`,
        operation,
      });
    }
    throw protocolError(operation, 'answer is not the {code, msg, data, ts} JSON envelope');
  }
  const envelope = body as Obj;
  const rawCode = envelope.code;
  const code =
    typeof rawCode === 'number'
      ? rawCode
      : typeof rawCode === 'string' && INTEGER_TEXT.test(rawCode)
        ? Number(rawCode)
        : NaN;
  if (!Number.isSafeInteger(code)) throw protocolError(operation, 'answer has no integer code');
  const msg = typeof envelope.msg === 'string' ? envelope.msg : '';
  if (code !== 0) throw vendorError(operation, code, msg);
  if (!httpOk) throw protocolError(operation, `code 0 with HTTP ${answer.status}`, `HTTP ${answer.status}`);
  try {
    return decode(envelope.data);
  } catch (error) {
    if (error instanceof AnswerShapeError)
      throw protocolError(operation, `unexpected answer: ${error.message}`);
    throw error;
  }
}

// ---------------------------------------------------------------- mapping to the port

function isoOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const instant = parseChinaDateTime(text);
  return instant === undefined ? undefined : toChinaIso(instant);
}

function details(fields: Readonly<Record<string, DetailValue | undefined>>): Record<string, DetailValue> {
  const out: Record<string, DetailValue> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out;
}

/** Times the platform printed but we could not read stay visible, raw, among the details. */
function unreadableTimes(record: { effect_time?: string | undefined; expire_time?: string | undefined }) {
  return {
    effect_time: isoOf(record.effect_time) === undefined ? record.effect_time : undefined,
    expire_time: isoOf(record.expire_time) === undefined ? record.expire_time : undefined,
  };
}

/**
 * A list entry as a port {@link SubAccount}; the list does not say the state, the caller's filter does.
 * An entry without a mobile gets `naturalKey` `''`. Raw numbers we could not read stay in `details`.
 */
export function listItemToSubAccount(item: SubAccountListItem, status: SubAccountStatus): SubAccount {
  return {
    platform: 'baijiayun',
    id: item.partner_id,
    naturalKey: item.mobile ?? '',
    status,
    effectiveAt: isoOf(item.effect_time),
    expiresAt: isoOf(item.expire_time),
    details: details({
      company: item.company,
      contacts: item.contacts,
      email: item.email,
      large_class_status: item.large_class_status,
      small_class_status: item.small_class_status,
      business_status: item.business_status,
      video_status: item.video_status,
      ...item.unparsed,
      ...unreadableTimes(item),
    }),
  };
}

/**
 * `getAccountInfo` has no account state. The one state it proves is expiry: the platform itself stops an
 * account whose `expire_time` has passed (and `close` sets it to now), so that reads as `suspended`
 * (reversible by moving `expire_time`). Otherwise `setAccountStatus` may or may not have disabled it:
 * `unknown`.
 */
export function statusFromInfo(info: AccountInfo, now: Date): SubAccountStatus {
  const expires = info.expire_time === undefined ? undefined : parseChinaDateTime(info.expire_time);
  return expires !== undefined && expires.getTime() <= now.getTime() ? 'suspended' : 'unknown';
}

/** `getAccountInfo` data as a port account with its credentials (`password`, `partnerKey`, `secretKey`). */
export function accountInfoToSubAccount(
  subPartnerId: string,
  info: AccountInfo,
  now: Date,
): SubAccountWithCredentials {
  const credentials: Record<string, Secret> = {};
  if (info.password) credentials.password = info.password;
  if (info.partner_key) credentials.partnerKey = info.partner_key;
  if (info.secret_key) credentials.secretKey = info.secret_key;
  return {
    platform: 'baijiayun',
    id: info.partner_id ?? subPartnerId,
    naturalKey: info.mobile,
    status: statusFromInfo(info, now),
    effectiveAt: isoOf(info.effect_time),
    expiresAt: isoOf(info.expire_time),
    details: details({
      company: info.company,
      contacts: info.contacts,
      email: info.email,
      private_domain: info.private_domain,
      large_class_status: info.large_class_status,
      small_class_status: info.small_class_status,
      business_status: info.business_status,
      video_status: info.video_status,
      large_class_user_limit: info.large_class_user_limit,
      large_class_max_user_limit: info.large_class_max_user_limit,
      large_class_live_max_speakers: info.large_class_live_max_speakers,
      business_user_limit: info.business_user_limit,
      business_max_user_limit: info.business_max_user_limit,
      business_live_max_speakers: info.business_live_max_speakers,
      credit_money: info.credit_money,
      flow: info.flow,
      max_flow: info.max_flow,
      storage_limit: info.storage_limit,
      max_storage_limit: info.max_storage_limit,
      ...info.unparsed,
      ...unreadableTimes(info),
    }),
    credentials,
  };
}
