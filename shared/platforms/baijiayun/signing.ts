import { createHash } from 'node:crypto';
import type { Secret } from '../../secret.ts';

/** Form fields as they go on the wire; `undefined` means "not sent". */
export type WireParams = Readonly<Record<string, string | undefined>>;

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The string the platform hashes: every sent parameter except `sign`, sorted by key in byte order, joined
 * as raw `key=value` pairs with `&`, then `&partner_key=<key>`. Absent (`undefined`) values are left out,
 * because the server only sees what was sent; empty strings and `0` are sent and therefore signed.
 *
 * Exposed for tests and diagnostics only: the result contains the partner key.
 */
export function signingString(params: WireParams, partnerKey: Secret): string {
  const pairs = Object.entries(params)
    .filter((entry): entry is [string, string] => entry[0] !== 'sign' && entry[1] !== undefined)
    .sort(([a], [b]) => byteOrder(a, b))
    .map(([key, value]) => `${key}=${value}`);
  pairs.push(`partner_key=${partnerKey.reveal()}`);
  return pairs.join('&');
}

/** The `sign` field: MD5 of {@link signingString} as UTF-8, 32 lower-case hex digits. */
export function sign(params: WireParams, partnerKey: Secret): string {
  return createHash('md5').update(signingString(params, partnerKey), 'utf8').digest('hex');
}
