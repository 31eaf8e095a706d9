/** An answer to an API request: its HTTP status and the `code`/`msg`/`data` of the JSON envelope. */
export interface Answer {
  readonly httpStatus: number;
  readonly code: number;
  readonly msg: string;
  readonly data: unknown;
}

/** The `msg` of an over-limit answer, as the platform words it. */
export const RATE_LIMIT_MSG = '请求过于频繁，请稍后再试';

/**
 * The `msg` of code 2001, the same for an unknown master `partner_id` and an unknown `sub_partner_id`: the
 * platform does not say which account it could not find.
 */
export const UNKNOWN_ACCOUNT_MSG = '账号不存在';

/** Success, HTTP 200 with `code` 0. */
export const ok = (data: unknown = null): Answer => ({ httpStatus: 200, code: 0, msg: '', data });

/** A refusal with this `code` and `msg`, HTTP 200 unless given. */
export const fail = (code: number, msg: string, httpStatus = 200): Answer => ({
  httpStatus,
  code,
  msg,
  data: null,
});

/** The over-limit answer in the chosen style (see `rateLimitAnswer` of the options). */
export const rateLimitedAnswer = (style: 'http-429' | 'code-1'): Answer =>
  fail(1, RATE_LIMIT_MSG, style === 'http-429' ? 429 : 200);

/** Default `msg` of a `vendor-error` fault without its own message. */
export const DEFAULT_MESSAGES: Readonly<Record<string, string>> = {
  '1': '操作失败',
  '404': '接口不存在',
  '1001': '参数错误',
  '1002': '签名错误',
  '2001': UNKNOWN_ACCOUNT_MSG,
  '2002': '账号权限错误',
  '2003': '直播账号未开通或已停用',
};
