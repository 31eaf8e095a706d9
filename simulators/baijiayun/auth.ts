import type { IncomingMessage } from 'node:http';
import { type Answer, fail } from './answers.ts';
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
 * Checks a request to a known endpoint, in this order: method (POST), content type (form-urlencoded,
 * UTF-8 if a charset is given), no repeated field, `partner_id` (2002 when it is not the configured one),
 * the rate window, `timestamp` (10 digits within the window, else code 1), `sign` (1002), then every
 * field of the endpoint (1001).
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
  const fields = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(raw)) {
    if (fields.has(key)) return refuse(fail(1001, `参数重复 ${key}`));
    fields.set(key, value);
  }
  const partnerId = fields.get('partner_id');
  if (partnerId === undefined || partnerId === '') return refuse(fail(1001, '缺少参数 partner_id'));
  if (partnerId !== checks.partnerId) return refuse(fail(2002, '合作方不存在或无权限'));
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
