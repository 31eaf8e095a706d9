import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import type { DetailValue, MasterAccountInfo, SubAccount, SubAccountStatus } from '../../ports/platform.ts';
import { Secret } from '../../secret.ts';
import { parseChinaDateTime, toChinaIso } from '../china-time.ts';
import { CloopenError } from './errors.ts';

/** The two body formats Cloopen speaks; `Accept` and `Content-Type` choose one for both directions. */
export type CloopenFormat = 'json' | 'xml';

/** A value of a decoded body: every leaf is a string, as the platform sends them. */
export type WireValue = string | WireObject | readonly WireValue[];
/** An element (XML) or object (JSON) of a decoded body. */
export interface WireObject {
  readonly [key: string]: WireValue | undefined;
}

/** A decoded answer: `statusCode`, `statusMsg` and everything else under its wire names. */
export interface CloopenEnvelope {
  readonly statusCode: string;
  readonly statusMsg?: string | undefined;
  readonly body: WireObject;
}

/** Which call a decoder works for, so its errors say so and know whether state may have changed. */
export interface WireContext {
  readonly operation: string;
  /** A state-changing call: an answer we cannot read leaves its outcome unknown. */
  readonly mutates: boolean;
}

/** The `Accept` / `Content-Type` pair for a format, exactly as the introduction document spells them. */
export function cloopenHeaders(format: CloopenFormat): { Accept: string; 'Content-Type': string } {
  return format === 'xml'
    ? { Accept: 'application/xml', 'Content-Type': 'application/xml;charset=utf-8' }
    : { Accept: 'application/json', 'Content-Type': 'application/json;charset=utf-8' };
}

/** The XML declaration of request bodies, as in the documents' samples (single quotes). */
export const XML_REQUEST_DECLARATION = "<?xml version='1.0' encoding='utf-8'?>";

const builder = new XMLBuilder({ format: false, processEntities: true, suppressEmptyNode: false });

/**
 * A request body: JSON with every value a string (what official SDKs send, `"startNo":"0"`), or XML with
 * root `<SubAccount>` and one child element per field. The builder escapes `&`, `<`, `>`, `"` and `'`,
 * so any `friendlyName` arrives as typed.
 */
export function encodeCloopenBody(format: CloopenFormat, fields: Readonly<Record<string, string>>): string {
  if (format === 'json') return JSON.stringify(fields);
  return `${XML_REQUEST_DECLARATION}${builder.build({ SubAccount: fields })}`;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Values stay strings exactly as sent: "000000" must not become 0 nor "0.0" become 0, and a leading
  // space is the platform's, not ours to remove.
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
});

function protocolError(context: WireContext, what: string): CloopenError {
  return new CloopenError(`cloopen ${context.operation}: ${what}`, {
    category: 'protocol',
    operation: context.operation,
    outcomeUnknown: context.mutates,
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Drops the whitespace that indentation leaves between elements when values are not trimmed. */
function cleanXml(value: unknown): WireValue {
  if (Array.isArray(value)) return value.map(cleanXml);
  if (isObject(value)) {
    const out: Record<string, WireValue> = {};
    for (const [key, child] of Object.entries(value)) {
      if (key === '#text' && typeof child === 'string' && child.trim() === '') continue;
      out[key] = cleanXml(child);
    }
    return out;
  }
  return typeof value === 'string' ? value : String(value ?? '');
}

/** JSON leaves become strings too; numbers only if the platform ever sends them (the docs say strings). */
function cleanJson(value: unknown): WireValue | undefined {
  if (Array.isArray(value)) return value.map(cleanJson).filter((v): v is WireValue => v !== undefined);
  if (isObject(value)) {
    const out: Record<string, WireValue> = {};
    for (const [key, child] of Object.entries(value)) {
      const cleaned = cleanJson(child);
      if (cleaned !== undefined) out[key] = cleaned;
    }
    return out;
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function parseXmlRoot(text: string, context: WireContext): WireObject {
  if (XMLValidator.validate(text) !== true) throw protocolError(context, 'answer is not well-formed XML');
  let parsed: unknown;
  try {
    parsed = parser.parse(text);
  } catch {
    // The parser's own message may quote the body, which can hold tokens: say nothing more.
    throw protocolError(context, 'answer could not be parsed as XML');
  }
  const root = isObject(parsed) ? parsed.Response : undefined;
  if (!isObject(root)) throw protocolError(context, 'XML answer has no <Response> root element');
  const cleaned = cleanXml(root);
  return isObject(cleaned) ? cleaned : {};
}

function parseJsonRoot(text: string, context: WireContext): WireObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // SyntaxError messages quote the body; the body may carry sub-account tokens.
    throw protocolError(context, 'answer is not valid JSON');
  }
  if (!isObject(parsed)) throw protocolError(context, 'JSON answer is not an object');
  const root = parsed.statusCode === undefined && isObject(parsed.Response) ? parsed.Response : parsed;
  const cleaned = cleanJson(root);
  return isObject(cleaned) ? cleaned : {};
}

/** A string leaf, or `undefined` when absent or not a leaf. */
export function text(object: WireObject | undefined, key: string): string | undefined {
  const value = object?.[key];
  return typeof value === 'string' ? value : undefined;
}

function child(object: WireObject, key: string): WireObject | undefined {
  const value = object[key];
  return isObject(value) ? (value as WireObject) : undefined;
}

/**
 * Decodes an answer body in `format` and reads its `statusCode`. Throws a `protocol` {@link CloopenError}
 * when the body cannot be parsed or has no `statusCode`.
 */
export function decodeCloopenEnvelope(
  format: CloopenFormat,
  body: string,
  context: WireContext,
): CloopenEnvelope {
  const root = format === 'xml' ? parseXmlRoot(body, context) : parseJsonRoot(body, context);
  const statusCode = text(root, 'statusCode');
  if (statusCode === undefined || statusCode === '') throw protocolError(context, 'answer has no statusCode');
  return { statusCode, statusMsg: text(root, 'statusMsg'), body: root };
}

/** `SubAccount` as an array whatever its shape: absent, empty, one object (XML list of one) or a list. */
export function subAccountNodes(body: WireObject): WireObject[] {
  const value = body.SubAccount;
  const items: readonly unknown[] = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return items.filter(isObject) as WireObject[];
}

/** One sub-account as the wire gives it, credentials wrapped as {@link Secret}s. */
export interface CloopenSubAccountRecord {
  readonly subAccountSid: string;
  readonly friendlyName?: string | undefined;
  readonly dateCreated?: string | undefined;
  readonly voipAccount?: string | undefined;
  readonly subToken?: Secret | undefined;
  readonly voipPwd?: Secret | undefined;
  /** Fields this client does not know, when they do not look like credentials. */
  readonly extra: Readonly<Record<string, string>>;
}

const KNOWN_SUB_ACCOUNT_FIELDS = new Set([
  'subAccountSid',
  'friendlyName',
  'dateCreated',
  'voipAccount',
  'subToken',
  'voipPwd',
]);
const LOOKS_SECRET = /token|pwd|pass|secret|key/i;

function extraFields(node: WireObject, known: ReadonlySet<string>): Record<string, string> {
  const extra: Record<string, string> = {};
  for (const [key, value] of Object.entries(node)) {
    if (known.has(key) || LOOKS_SECRET.test(key) || typeof value !== 'string') continue;
    extra[key] = value;
  }
  return extra;
}

/** Reads one `SubAccount` node; throws `protocol` without a `subAccountSid`. */
export function decodeSubAccountNode(node: WireObject, context: WireContext): CloopenSubAccountRecord {
  const subAccountSid = text(node, 'subAccountSid');
  if (subAccountSid === undefined || subAccountSid === '') {
    throw protocolError(context, 'SubAccount has no subAccountSid');
  }
  const subToken = text(node, 'subToken');
  const voipPwd = text(node, 'voipPwd');
  return {
    subAccountSid,
    friendlyName: text(node, 'friendlyName'),
    dateCreated: text(node, 'dateCreated'),
    voipAccount: text(node, 'voipAccount'),
    subToken: subToken === undefined ? undefined : new Secret(subToken),
    voipPwd: voipPwd === undefined ? undefined : new Secret(voipPwd),
    extra: extraFields(node, KNOWN_SUB_ACCOUNT_FIELDS),
  };
}

/** The sub-account of a successful `SubAccounts` (create) answer. */
export function decodeCreated(envelope: CloopenEnvelope, context: WireContext): CloopenSubAccountRecord {
  const [node] = subAccountNodes(envelope.body);
  if (node === undefined) throw protocolError(context, 'success answer has no SubAccount');
  return decodeSubAccountNode(node, context);
}

/** The sub-account of a successful `QuerySubAccountByName` answer; `undefined` when it has none. */
export function decodeQueried(
  envelope: CloopenEnvelope,
  context: WireContext,
): CloopenSubAccountRecord | undefined {
  const [node] = subAccountNodes(envelope.body);
  return node === undefined ? undefined : decodeSubAccountNode(node, context);
}

/** One page of `GetSubAccounts`. */
export interface CloopenSubAccountPage {
  /** `totalCount` as a number, when the platform sent a readable one. */
  readonly totalCount?: number | undefined;
  readonly subAccounts: readonly CloopenSubAccountRecord[];
}

/** Reads a successful `GetSubAccounts` answer. */
export function decodePage(envelope: CloopenEnvelope, context: WireContext): CloopenSubAccountPage {
  const total = text(envelope.body, 'totalCount');
  const totalCount = total !== undefined && /^\d+$/.test(total) ? Number(total) : undefined;
  return {
    totalCount,
    subAccounts: subAccountNodes(envelope.body).map((node) => decodeSubAccountNode(node, context)),
  };
}

/** `AccountInfo`'s `Account`, every value a string as sent. */
export interface CloopenAccountInfo {
  readonly friendlyName?: string | undefined;
  /** `0` trial, `1` registered. */
  readonly type?: string | undefined;
  /** `0` not activated, `1` active, `2` suspended, `3` closed. */
  readonly status?: string | undefined;
  readonly balance?: string | undefined;
  readonly subBalance?: string | undefined;
  readonly dateCreated?: string | undefined;
  readonly dateUpdated?: string | undefined;
  readonly extra: Readonly<Record<string, string>>;
}

const KNOWN_ACCOUNT_FIELDS = new Set([
  'friendlyName',
  'type',
  'status',
  'balance',
  'subBalance',
  'dateCreated',
  'dateUpdated',
]);

/** Reads a successful `AccountInfo` answer; throws `protocol` without an `Account` element. */
export function decodeAccountInfo(envelope: CloopenEnvelope, context: WireContext): CloopenAccountInfo {
  const account = child(envelope.body, 'Account');
  if (account === undefined) throw protocolError(context, 'success answer has no Account');
  return {
    friendlyName: text(account, 'friendlyName'),
    type: text(account, 'type'),
    status: text(account, 'status'),
    balance: text(account, 'balance'),
    subBalance: text(account, 'subBalance'),
    dateCreated: text(account, 'dateCreated'),
    dateUpdated: text(account, 'dateUpdated'),
    extra: extraFields(account, KNOWN_ACCOUNT_FIELDS),
  };
}

// ---- Mapping to the port's domain shapes ----

/** `yyyy-MM-dd HH:mm:ss` on China's clock as ISO 8601 with `+08:00`; `undefined` when unreadable. */
export function chinaDateToIso(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const instant = parseChinaDateTime(value);
  return instant === undefined ? undefined : toChinaIso(instant);
}

/**
 * A wire sub-account as the port's {@link SubAccount}. `fallbackName` stands in for `friendlyName` when
 * the answer omits it (create answers do). Cloopen reports no state, so callers pass what they know.
 */
export function toSubAccount(
  record: CloopenSubAccountRecord,
  status: SubAccountStatus,
  fallbackName?: string,
): SubAccount {
  const details: Record<string, DetailValue> = { ...record.extra };
  if (record.voipAccount !== undefined) details.voipAccount = record.voipAccount;
  if (record.dateCreated !== undefined) details.dateCreated = record.dateCreated;
  return {
    platform: 'cloopen',
    id: record.subAccountSid,
    naturalKey: record.friendlyName ?? fallbackName ?? '',
    status,
    createdAt: chinaDateToIso(record.dateCreated),
    details,
  };
}

/** The credentials a sub-account answer carried: `subToken` and `voipPwd`, when present. */
export function toCredentials(record: CloopenSubAccountRecord): Record<string, Secret> {
  const credentials: Record<string, Secret> = {};
  // The SIP login a tenant needs with its password: not secret alone, but useless without it, and the
  // signup flow reads both from one place.
  if (record.voipAccount !== undefined) credentials.voipAccount = new Secret(record.voipAccount);
  if (record.subToken !== undefined) credentials.subToken = record.subToken;
  if (record.voipPwd !== undefined) credentials.voipPwd = record.voipPwd;
  return credentials;
}

const MASTER_STATUS: Readonly<Record<string, string>> = {
  '0': 'inactive',
  '1': 'active',
  '2': 'suspended',
  '3': 'closed',
};
const MASTER_TYPE: Readonly<Record<string, string>> = { '0': 'trial', '1': 'registered' };

/** `AccountInfo` as the port's {@link MasterAccountInfo}: status in words, values otherwise verbatim. */
export function toMasterAccountInfo(info: CloopenAccountInfo): MasterAccountInfo {
  const details: Record<string, DetailValue> = { ...info.extra };
  const put = (key: string, value: string | undefined) => {
    if (value !== undefined) details[key] = value;
  };
  put('subBalance', info.subBalance);
  put('type', info.type);
  put('typeName', info.type === undefined ? undefined : MASTER_TYPE[info.type]);
  put('statusValue', info.status);
  put('dateCreated', info.dateCreated);
  put('dateUpdated', info.dateUpdated);
  put('createdAt', chinaDateToIso(info.dateCreated));
  put('updatedAt', chinaDateToIso(info.dateUpdated));
  return {
    platform: 'cloopen',
    name: info.friendlyName,
    status:
      info.status === undefined ? undefined : (MASTER_STATUS[info.status] ?? `unknown (${info.status})`),
    balance: info.balance,
    details,
  };
}
