import { text } from '../../domain/fields.ts';
import * as z from '../../zod.ts';

/**
 * The characters of a `friendlyName`. The create document allows "英文字母和阿拉伯数字" (letters and
 * digits) and recommends an email address, and its own JSON sample is `用户1`: so letters of any script
 * (with their combining marks), digits, and the punctuation of a plain email address (`@ . _ + -`).
 * Everything else is refused, XML metacharacters (`< > & " '`), spaces and slashes included: the
 * document's rule excludes them, and a name the platform may refuse or mangle would end a create in
 * doubt.
 */
const FRIENDLY_NAME = /^[\p{L}\p{M}\p{Nd}@._+-]+$/u;

/** Cloopen create profile. */
export const cloopenCreateProfile = z.strictObject({
  friendlyName: z.described(
    text(64).check(
      z.regex(FRIENDLY_NAME, 'friendlyName may hold only letters, digits and the characters @ . _ + -'),
    ),
    'Unique sub-account name on the master account: letters, digits and @ . _ + - (the vendor allows letters and digits, and recommends an email address).',
  ),
  appId: z.described(
    z.optional(z.string().check(z.regex(/^[A-Za-z0-9]{32}$/, 'appId must be 32 letters and digits'))),
    'Cloopen application; the configured CLOOPEN_APP_ID when absent.',
  ),
});

/** Cloopen has no update endpoint: an update can only move the ledger's expiry. */
export const cloopenUpdateProfile = z.strictObject({});

/** Cloopen create profile after validation. */
export type CloopenCreateProfile = z.infer<typeof cloopenCreateProfile>;
