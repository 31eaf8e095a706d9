import type {
  DetailValue,
  SubAccount,
  SubAccountStatus,
  SubAccountWithCredentials,
} from '../../ports/platform.ts';
import { Secret } from '../../secret.ts';
import { parseChinaDateTime, toChinaIso } from '../china-time.ts';
import type { HttpAnswer } from '../http.ts';
import { INTEGER_TEXT, type Obj } from './decode.ts';
import { AnswerShapeError, BaijiayunError, protocolError, vendorError } from './errors.ts';
import type { WireParams } from './signing.ts';
import type { AccountInfo, SubAccountListItem } from './wire-types.ts';

/*
 * The wire format of the `new_sub` API, kept apart from I/O: encoding requests, reading the answer envelope
 * (codes → errors), and mapping wire records to the port's accounts, the only place that translates the
 * platform's snake_case names. The types live in `wire-types.ts` and the `data` decoders in `decode.ts`;
 * both are re-exported here so importers need only this module.
 */

export { decodeAccountInfo, decodeAddResult, decodeListPage, decodeNothing } from './decode.ts';
export {
  type AccountInfo,
  type AddSubAccountParams,
  type AddSubAccountResult,
  BAIJIAYUN_ENDPOINTS,
  type BaijiayunEndpoint,
  type GetSubAccountListParams,
  type LiveLimits,
  type ProductStatuses,
  type Quotas,
  type SetAccountStatusParams,
  type SetCreditMoneyParams,
  type SetLiveAccountParams,
  type SetVideoAccountParams,
  type SubAccountListItem,
  type SubAccountListPage,
  type UnparsedFields,
  type UpdateSubAccountParams,
} from './wire-types.ts';

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
