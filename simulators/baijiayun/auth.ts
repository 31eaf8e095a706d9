import type { IncomingMessage } from 'node:http';
import { type Answer, fail, UNKNOWN_ACCOUNT_MSG } from './answers.ts';
import { fieldProblem, type SimEndpoint } from './endpoints.ts';
import { expectedSign } from './signing.ts';

const FORM = 'application/x-www-form-urlencoded';

/** A sliding-window request limit per partner. */
export class RateWindow {
  /** Admitted request times per partner, oldest first. */
  readonly #admitted = new Map<string, number[]>();
  readonly #limit: { readonly requests: number; readonly windowMs: number } | false;
  readonly #now: () => Date;

  /** `false` admits everything. */
  constructor(limit: { readonly requests: number; readonly windowMs: number } | false, now: () => Date) {
    this.#limit = limit;
    this.#now = now;
  }

  /** Whether a request of this partner is over the limit now; when it is not, it is admitted (counted). */
  overLimit(partnerId: string): boolean {
    const rateLimit = this.#limit;
    if (rateLimit === false) return false;
    const at = this.#now().getTime();
    const times = this.#admitted.get(partnerId) ?? [];
    while (times.length > 0 && (times[0] ?? 0) + rateLimit.windowMs <= at) times.shift();
    this.#admitted.set(partnerId, times);
    if (times.length >= rateLimit.requests) return true;
    times.push(at);
    return false;
  }

  /** Forgets every admitted request. */
  clear(): void {
    this.#admitted.clear();
  }
}

/** What the request checks compare against. */
export interface RequestChecks {
  /** The one master account served, and its key. */
  readonly partnerId: string;
  readonly partnerKey: string;
  readonly now: () => Date;
  /** How far `timestamp` may be from the clock, either way. */
  readonly timestampWindowSeconds: number;
  readonly rateWindow: RateWindow;
  /** The answer of a request over the limit. */
  readonly rateLimited: () => Answer;
}

/** A request refused by the checks, or the fields of one that passed them. */
export type CheckedRequest = { readonly refusal: Answer } | { readonly fields: ReadonlyMap<string, string> };

/**
 * The fields of a form body, decoded strictly: `+` is a space, and a percent-encoding that is not UTF-8
 * (`%D5%C5`, GBK) is refused instead of turning into U+FFFD the way `URLSearchParams` would. A repeated
 * field is refused too, `sign` included: the platform could not tell which copy is meant.
 */
function parseForm(raw: string): { readonly problem: string } | { readonly fields: Map<string, string> } {
  const fields = new Map<string, string>();
  if (raw === '') return { fields };
  for (const pair of raw.split('&')) {
    const at = pair.indexOf('=');
    const [rawKey, rawValue] = at === -1 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(rawKey.replaceAll('+', ' '));
      value = decodeURIComponent(rawValue.replaceAll('+', ' '));
    } catch {
      return { problem: `参数编码错误，必须为 UTF-8: ${rawKey}` };
    }
    if (fields.has(key)) return { problem: `参数重复 ${key}` };
    fields.set(key, value);
  }
  return { fields };
}

/**
 * Checks a request to a known endpoint, in this order: method (POST), content type (form-urlencoded,
 * UTF-8 if a charset is given), no parameter in the query string (every parameter is a form field), a
 * form in UTF-8 without a repeated field, `partner_id` (2001 "账号不存在" when it is not the configured one:
 * the platform answers an unknown master exactly as an unknown sub-account), the rate window,
 * `timestamp` (10 digits within the window, else code 1), `sign` (1002), then every field of the
 * endpoint (1001).
 */
export function checkRequest(
  req: IncomingMessage,
  endpoint: SimEndpoint,
  raw: string,
  checks: RequestChecks,
): CheckedRequest {
  const refuse = (answer: Answer): CheckedRequest => ({ refusal: answer });
  if (req.method !== 'POST') return refuse(fail(1001, '请求方式错误，仅支持 POST'));
  const [mediaType = '', ...parameters] = (req.headers['content-type'] ?? '').split(';');
  const charset = parameters.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('charset='));
  if (mediaType.trim().toLowerCase() !== FORM || (charset !== undefined && charset !== 'charset=utf-8')) {
    return refuse(fail(1001, `Content-Type 必须为 ${FORM}`));
  }
  if (new URL(req.url ?? '/', 'http://simulator').search !== '') {
    return refuse(fail(1001, '参数必须以表单提交，不接受 URL 参数'));
  }
  const form = parseForm(raw);
  if ('problem' in form) return refuse(fail(1001, form.problem));
  const fields = form.fields;
  const partnerId = fields.get('partner_id');
  if (partnerId === undefined || partnerId === '') return refuse(fail(1001, '缺少参数 partner_id'));
  if (partnerId !== checks.partnerId) return refuse(fail(2001, UNKNOWN_ACCOUNT_MSG));
  if (checks.rateWindow.overLimit(partnerId)) return refuse(checks.rateLimited());
  const timestamp = fields.get('timestamp') ?? '';
  if (!/^\d{10}$/.test(timestamp)) return refuse(fail(1, '时间戳格式错误'));
  if (
    Math.abs(Math.floor(checks.now().getTime() / 1000) - Number(timestamp)) > checks.timestampWindowSeconds
  ) {
    return refuse(fail(1, '时间戳已过期'));
  }
  const sign = fields.get('sign');
  if (sign === undefined || sign !== expectedSign(fields, checks.partnerKey))
    return refuse(fail(1002, '签名错误'));
  const problem = fieldProblem(endpoint, fields);
  if (problem) return refuse(fail(1001, problem));
  return { fields };
}
