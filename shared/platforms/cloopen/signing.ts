import { createHash } from 'node:crypto';
import type { Secret } from '../../secret.ts';
import { chinaCompactTimestamp } from '../china-time.ts';

/** What one main-account request carries to authenticate itself. */
export interface CloopenSignature {
  /** `yyyyMMddHHmmss` on China's wall clock (UTC+8), shared by `sig` and `Authorization`. */
  readonly timestamp: string;
  /** Upper-case hex MD5 of `accountSid + authToken + timestamp`, sent as `?sig=`. */
  readonly sig: string;
  /** Base64 of `accountSid + ":" + timestamp`, sent as the `Authorization` header. */
  readonly authorization: string;
}

/** Upper-case hex MD5 of `accountSid + authToken + timestamp` (the `sig` query parameter). */
export function cloopenSig(accountSid: string, authToken: Secret, timestamp: string): string {
  return createHash('md5')
    .update(`${accountSid}${authToken.reveal()}${timestamp}`, 'utf8')
    .digest('hex')
    .toUpperCase();
}

/** Base64 of `accountSid:timestamp` (the `Authorization` header). */
export function cloopenAuthorization(accountSid: string, timestamp: string): string {
  return Buffer.from(`${accountSid}:${timestamp}`, 'utf8').toString('base64');
}

/**
 * Signs one request at `instant`. The timestamp is taken once, so `sig` and `Authorization` can never
 * straddle a second boundary, and it is China's wall clock whatever the host's zone: public SDKs use
 * Asia/Shanghai time and the platform checks it within 24 hours.
 */
export function signCloopenRequest(accountSid: string, authToken: Secret, instant: Date): CloopenSignature {
  const timestamp = chinaCompactTimestamp(instant);
  return {
    timestamp,
    sig: cloopenSig(accountSid, authToken, timestamp),
    authorization: cloopenAuthorization(accountSid, timestamp),
  };
}
