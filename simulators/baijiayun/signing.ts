import { createHash } from 'node:crypto';

/**
 * The `sign` the simulator expects for a request, written from the vendor's rule independently of the
 * client: every received field but `sign`, sorted by key in byte order, joined raw as `key=value` with
 * `&`, then `&partner_key=<key>`; MD5 of that UTF-8 text, lower-case hex.
 */
export function expectedSign(fields: ReadonlyMap<string, string>, partnerKey: string): string {
  const keys = [...fields.keys()].filter((key) => key !== 'sign');
  keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const text = `${keys.map((key) => `${key}=${fields.get(key)}`).join('&')}&partner_key=${partnerKey}`;
  return createHash('md5').update(text, 'utf8').digest('hex');
}
