import { PlatformError, type PlatformErrorCategory } from '../../ports/errors.ts';

/** Cloopen's `statusCode` for success. */
export const CLOOPEN_SUCCESS = '000000';

/** Options of {@link CloopenError}. */
export interface CloopenErrorOptions {
  readonly category: PlatformErrorCategory;
  /** The `statusCode` from the body (or `HTTP 4xx` when the body had none). */
  readonly code?: string | undefined;
  /** `statusMsg`, verbatim. */
  readonly vendorMessage?: string | undefined;
  /** The Func name: `SubAccounts`, `GetSubAccounts`, `QuerySubAccountByName`, `CloseSubAccount`, `AccountInfo`. */
  readonly operation?: string | undefined;
  readonly outcomeUnknown?: boolean | undefined;
  readonly cause?: unknown;
}

/**
 * A failure Cloopen reported (a non-success `statusCode`) or an answer the client could not understand.
 * Transport failures (timeouts, network, 5xx, 429) come from `shared/platforms/http.ts` as plain
 * {@link PlatformError}s. Messages name the operation and code only: never tokens, `sig` or body text.
 */
export class CloopenError extends PlatformError {
  override readonly name = 'CloopenError';

  constructor(message: string, options: CloopenErrorOptions) {
    super(message, { ...options, platform: 'cloopen' });
  }
}

/**
 * Whether a message reads "sub-account does not exist". Cloopen's statusMsg texts are Chinese and
 * tagged by area (`【账号】子账户名称重复` is the 111150 text seen in public code).
 */
const SUB_ACCOUNT_MISSING = /子(账|帐)(户|号).*不存在|sub-?account.*(not (exist|found)|does ?n[o']t exist)/i;

/**
 * Whether a message reads "sub-account already closed" (`【账号】子账户已关闭`, the 111156 text). The notes
 * infer the code from code tables, so the text counts too. It must name the sub-account (a closed main
 * account, `主账户已关闭` 111140, or app never matches) and say it *is* closed (已关闭): a text such as
 * `子账户关闭失败` (closing failed) read as closed would record a close that never happened.
 */
const SUB_ACCOUNT_CLOSED =
  /子(账|帐)(户|号)[^，,。；;]*已(经|被)?关闭|sub-?account\b.*\b(is|has been|already) closed\b/i;

/** `statusCode` for an operation on a closed sub-account (a second close, a query of its name). */
export const CLOOPEN_SUB_ACCOUNT_CLOSED = '111156';

function inRange(code: string, low: number, high: number): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  const n = Number(code);
  return n >= low && n <= high;
}

/**
 * Maps a Cloopen `statusCode` to a category.
 *
 * From the notes' table: `111111` (too many concurrent requests) is a rate limit and `111000`-`111099`
 * are platform-internal errors, both worth retrying; `111106` (timestamp expired), `111109` (sig check
 * failed) and `111113` (timestamp format) are authentication failures; `111138`-`111142` are states of
 * the main account (not activated, suspended, closed, missing, in arrears); `111150` is a taken
 * `friendlyName`; `111176`-`111182` are states of the app, `111181` (app does not exist) included: the
 * notes list it among the app's states, and `not-found` would tell callers the sub-account is gone (a
 * close would then read as already done) when only the app id is wrong.
 *
 * No public source lists the code for "sub-account does not exist" (see `findByNaturalKey` in
 * `client.ts`), so an otherwise unknown code is read as `not-found` only when its `statusMsg` says a
 * sub-account does not exist. `111156` ("【账号】子账户已关闭", an operation on a closed sub-account) is
 * `closed`, as is any other code whose text says the sub-account is closed: the notes inferred the number
 * from code tables, so the text is matched too. Every other unknown code is `unknown`, which is
 * permanent: guessing "retryable" for a code we do not know could hammer the platform with a request it
 * will never accept.
 */
export function cloopenCategory(code: string, statusMsg?: string): PlatformErrorCategory {
  if (code === '111111') return 'rate-limited';
  if (inRange(code, 111000, 111099)) return 'server';
  if (code === '111106' || code === '111109' || code === '111113') return 'authentication';
  if (inRange(code, 111138, 111142)) return 'account-state';
  if (code === '111150') return 'conflict';
  if (inRange(code, 111176, 111182)) return 'account-state';
  if (code === CLOOPEN_SUB_ACCOUNT_CLOSED) return 'closed';
  if (statusMsg !== undefined && SUB_ACCOUNT_CLOSED.test(statusMsg)) return 'closed';
  if (statusMsg !== undefined && SUB_ACCOUNT_MISSING.test(statusMsg)) return 'not-found';
  return 'unknown';
}

/**
 * True when the code means the sub-account itself is missing (not the app, not the main account). `111181`
 * is excluded by name too, so no message text can ever turn a missing app into a missing sub-account.
 */
export function isSubAccountMissing(code: string, statusMsg?: string): boolean {
  return code !== '111181' && cloopenCategory(code, statusMsg) === 'not-found';
}

/** Builds the error for a vendor `statusCode` other than success. */
export function cloopenVendorError(
  operation: string,
  code: string,
  statusMsg: string | undefined,
  mutates: boolean,
): CloopenError {
  const category = cloopenCategory(code, statusMsg);
  return new CloopenError(`cloopen ${operation}: statusCode ${code} (${category})`, {
    category,
    code,
    vendorMessage: statusMsg,
    operation,
    // An internal error on a state-changing call may have struck after the platform committed it.
    outcomeUnknown: mutates && category === 'server',
  });
}
