/**
 * Masks the personal data requests carry (mobile numbers, email addresses) wherever it lands in text: the
 * functions' log lines, error messages included. Masked rather than hashed: an operator can still tell which
 * request a line is about (`138****0042`, `c***@example.com`) without reading the whole value, and a hash of
 * an 11-digit number is no protection (it is quickly reversed by trying every number).
 */

/**
 * A mainland China mobile number (11 digits, `1[3-9]…`), with an optional `+86`/`86` prefix, not part of a
 * longer digit run: timestamps, ids and vendor codes stay readable.
 */
const MOBILE = /(?<!\d)((?:\+?86[ -]?)?)(1[3-9]\d)\d{4}(\d{4})(?!\d)/g;
/** An email address; the local part's first character stays, so `*` in the output never matches again. */
const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})/g;
/** A number value that is a mobile number (a profile read as JSON may hold one as a number). */
const MOBILE_NUMBER = /^1[3-9]\d{9}$/;

/**
 * `text` with every mobile number reduced to its first three and last four digits (`138****0042`) and every
 * email address to its first character and domain (`c***@example.com`). Idempotent.
 */
export function maskPersonalData(text: string): string {
  return text.replace(MOBILE, '$1$2****$3').replace(EMAIL, '$1***@$2');
}

/**
 * A `JSON.stringify` replacer that masks every string (and mobile-like number) at any depth with
 * {@link maskPersonalData}. The Powertools logger calls it for each key of a log item, error objects
 * included once it has turned them into plain objects (message, stack, cause).
 */
export function personalDataReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return maskPersonalData(value);
  if (typeof value === 'number' && MOBILE_NUMBER.test(String(value))) return maskPersonalData(String(value));
  return value;
}
