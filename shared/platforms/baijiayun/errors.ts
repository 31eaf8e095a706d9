import { PlatformError, type PlatformErrorCategory, type PlatformErrorOptions } from '../../ports/errors.ts';

/** Options of {@link BaijiayunError}: those of every platform error, the platform being implied. */
export type BaijiayunErrorOptions = Omit<PlatformErrorOptions, 'platform'>;

/**
 * An error the Baijiayun client raises: a vendor `code` other than 0, or an answer it could not read.
 * `code` is the vendor code as a string and `vendorMessage` the vendor's `msg`, verbatim. The message never
 * contains the partner key, a signature or any credential the platform returned.
 */
export class BaijiayunError extends PlatformError {
  override readonly name = 'BaijiayunError';

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
 * What each documented code means, for messages; `msg` carries the detail.
 *
 * `2001` ("account does not exist") is read as the sub-account missing (`not-found`), which callers take
 * as "nothing there" (a `get` answers `undefined`, a close finds nothing left to close). The code does not
 * say which account: it could in principle name the master. It is read this way because the master
 * account's own problems surface first, as `1002` (signature, i.e. wrong partner key) or `2002` (partner
 * id unknown or without permission), before any sub-account is looked at.
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

/** Builds the error for a non-zero vendor `code` returned by `operation`. */
export function vendorError(operation: string, code: number, msg: string): BaijiayunError {
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
