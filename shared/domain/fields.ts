import * as z from '../zod.ts';

/**
 * Field types the request contract and the platforms' profiles share, so every platform words its
 * validation errors the same way.
 */

/** What `requestId` and `tenantId` may be: safe inside storage keys and message group ids. */
export const KEY_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** An instant with an explicit zone. */
export const instant = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 date-time with a zone, e.g. 2027-01-31T00:00:00Z',
});

/** A non-negative whole quantity (users, bytes, credit). */
export const count = z.number().check(z.int(), z.minimum(0), z.maximum(1_000_000_000));

/**
 * No control characters (C0, DEL, C1) and no lone surrogates: a name or a company holds none, a vendor
 * would store them mangled (a lone surrogate becomes U+FFFD on the wire), and they corrupt logs.
 */
const PLAIN_TEXT = /^[^\p{Cc}\p{Cs}]*$/u;

/** Trimmed, non-empty text of at most `max` characters, without control characters or lone surrogates. */
export const text = (max: number) =>
  z
    .string()
    .check(
      z.trim(),
      z.minLength(1),
      z.maxLength(max),
      z.regex(PLAIN_TEXT, 'must hold no control characters or lone surrogates'),
    );
