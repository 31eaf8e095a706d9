import { PlatformError, type PlatformErrorCategory, type PlatformErrorOptions } from '../../ports/errors.ts';

/** Options of {@link BaijiayunError}: those of every platform error, the platform being implied. */
export type BaijiayunErrorOptions = Omit<PlatformErrorOptions, 'platform'>;

/**
 * An error the Baijiayun client raises: a vendor `code` other than 0, or an answer it could not read.
 * `code` is the vendor code as a string and `vendorMessage` the vendor's `msg`, verbatim. The message never
 * contains the partner key, a signature or any credential the platform returned.
 */
export class BaijiayunError extends PlatformError {
  override readonly name: string = 'BaijiayunError';

  constructor(message: string, options: BaijiayunErrorOptions) {
    super(message, { ...options, platform: 'baijiayun' });
  }
}

/**
 * A field of a Baijiayun answer that is missing or of the wrong type. The answer decoder turns it into a
 * `protocol` {@link BaijiayunError} naming the operation; its message names the field, never its value.
 */
export class AnswerShapeError extends Error {
  override readonly name = 'AnswerShapeError';
}

/**
 * The master account is not what the platform knows: a 2001 "账号不存在" that a call naming no sub-account
 * (`getSubAccountList`) got too, so it is the `partner_id` that does not exist. A configuration error
 * (`authentication`, never retried): every call with these settings fails the same way.
 */
export class BaijiayunUnknownPartnerError extends BaijiayunError {
  override readonly name = 'BaijiayunUnknownPartnerError';
}

/**
 * A close that stopped after its first change: the sub-account is already expired but still enabled. It
 * is marked `outcomeUnknown` (the operation took effect in part), which makes it retryable whatever the
 * step's own error, because a retry of the whole close converges (its steps are idempotent and it skips
 * what is already done), while a permanent failure would leave the account half-closed for good. `cause`
 * is the step's error, whose category, code and message it carries.
 */
export class BaijiayunCloseIncompleteError extends BaijiayunError {
  override readonly name = 'BaijiayunCloseIncompleteError';
}

/** The 2001 `code` as the client keeps it. */
export const UNKNOWN_ACCOUNT_CODE = '2001';

/** Whether `error` is the platform's 2001 "账号不存在", which does not say which account it means. */
export function isUnknownAccount(error: unknown): error is BaijiayunError {
  return error instanceof BaijiayunError && error.code === UNKNOWN_ACCOUNT_CODE;
}

/** Builds the error for a partner id the platform proved it does not know (see {@link BaijiayunUnknownPartnerError}). */
export function unknownPartnerError(
  operation: string,
  partnerId: string,
  cause: BaijiayunError,
): BaijiayunUnknownPartnerError {
  return new BaijiayunUnknownPartnerError(
    `baijiayun ${operation}: partner_id ${partnerId} does not exist on the platform (code 2001, also for a call that names no sub-account); check BAIJIAYUN_PARTNER_ID and BAIJIAYUN_PARTNER_KEY`,
    {
      category: 'authentication',
      code: UNKNOWN_ACCOUNT_CODE,
      vendorMessage: cause.vendorMessage,
      operation,
      cause,
    },
  );
}

/** Builds the error for a close that failed after its first change (see {@link BaijiayunCloseIncompleteError}). */
export function closeIncompleteError(subPartnerId: string, cause: unknown): BaijiayunCloseIncompleteError {
  const step = cause instanceof PlatformError ? cause : undefined;
  return new BaijiayunCloseIncompleteError(
    `baijiayun close of ${subPartnerId}: expired but not yet disabled (${step?.message ?? String(cause)}); retry to complete it`,
    {
      category: step?.category ?? 'unknown',
      code: step?.code,
      vendorMessage: step?.vendorMessage,
      operation: step?.operation ?? 'setAccountStatus',
      outcomeUnknown: true,
      retryAfterSeconds: step?.retryAfterSeconds,
      cause,
    },
  );
}

/**
 * What each documented code means, for messages; `msg` carries the detail.
 *
 * `2001` ("account does not exist") is the same code and message for an unknown master `partner_id` and an
 * unknown `sub_partner_id`. Here it reads as `not-found` on a call that names a sub-account, which is only
 * a guess: the endpoints (`BaijiayunEndpoints`) prove the master account with a list call before they let
 * it stand. On a call that names no sub-account (the list, a create) it can only mean the master:
 * `authentication` (see {@link vendorError}).
 */
const MEANINGS: Readonly<
  Record<number, { readonly category: PlatformErrorCategory; readonly text: string }>
> = {
  404: { category: 'protocol', text: 'path not found (wrong host or endpoint)' },
  1001: { category: 'invalid-request', text: 'parameter error' },
  1002: { category: 'authentication', text: 'signature rejected' },
  2001: { category: 'not-found', text: 'account does not exist' },
  2002: { category: 'authentication', text: 'account permission error' },
  2003: { category: 'account-state', text: 'live account not enabled or stopped' },
};

// Code 1 says nothing by itself; the platform puts the reason in `msg`. These read the reasons that matter
// for retries. `\brate\b` is a whole word on purpose: "generate" or "operate" must not look like load shedding.
const RATE_LIMIT_MESSAGE = /频繁|限流|频率|过载|too many|rate[ _-]?limit|\brate\b|throttl/i;
const AUTH_MESSAGE = /时间戳|签名|timestamp|signature|\bsign\b/i;

/** The category of a vendor code, reading `msg` where the code alone is ambiguous (code 1). */
export function categoryOf(code: number, msg: string): PlatformErrorCategory {
  const known = MEANINGS[code];
  if (known) return known.category;
  if (code === 1) {
    if (RATE_LIMIT_MESSAGE.test(msg)) return 'rate-limited';
    if (AUTH_MESSAGE.test(msg)) return 'authentication';
  }
  return 'unknown';
}

/** Endpoints that name no sub-account: a 2001 from them can only be about the master account. */
const MASTER_ONLY: ReadonlySet<string> = new Set(['getSubAccountList', 'addSubAccount']);

/** Builds the error for a non-zero vendor `code` returned by `operation`. */
export function vendorError(operation: string, code: number, msg: string): BaijiayunError {
  if (code === 2001 && MASTER_ONLY.has(operation)) {
    return new BaijiayunError(
      `baijiayun ${operation}: the master account (partner_id) does not exist (code 2001); check BAIJIAYUN_PARTNER_ID`,
      { category: 'authentication', code: String(code), vendorMessage: msg, operation },
    );
  }
  const category = categoryOf(code, msg);
  const meaning = MEANINGS[code]?.text ?? (code === 1 ? `generic error (${category})` : 'undocumented code');
  return new BaijiayunError(`baijiayun ${operation}: ${meaning} (code ${code})`, {
    category,
    code: String(code),
    vendorMessage: msg,
    operation,
  });
}

/** Builds the error for an answer that is not the documented `{code, msg, data, ts}` shape. */
export function protocolError(operation: string, what: string, code?: string): BaijiayunError {
  return new BaijiayunError(`baijiayun ${operation}: ${what}`, { category: 'protocol', code, operation });
}
