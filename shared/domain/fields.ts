import { z } from 'zod';

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
export const count = z.number().int().min(0).max(1_000_000_000);

/** Trimmed, non-empty text of at most `max` characters. */
export const text = (max: number) => z.string().trim().min(1).max(max);
