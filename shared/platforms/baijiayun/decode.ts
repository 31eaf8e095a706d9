import { Secret } from '../../secret.ts';
import { AnswerShapeError } from './errors.ts';
import type {
  AccountInfo,
  AddSubAccountResult,
  ProductStatuses,
  SubAccountListItem,
  SubAccountListPage,
  UnparsedFields,
} from './wire-types.ts';

/*
 * Decoding of the `data` of answers, kept apart from I/O so recorded answers can be decoded in tests: field
 * readers that throw an {@link AnswerShapeError} naming the path of what they could not read, and one
 * decoder per kind of answer. `interpretAnswer` in `wire.ts` turns a shape error into a `protocol` one.
 */

/** A JSON object of an answer, read field by field. */
export type Obj = Readonly<Record<string, unknown>>;

function asObject(value: unknown, path: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AnswerShapeError(`${path} is not an object`);
  }
  return value as Obj;
}

/** An integer printed as text, as some PHP back ends print integers (and codes). */
export const INTEGER_TEXT = /^-?\d+$/;

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
