import { text } from '../../domain/fields.ts';
import * as z from '../../zod.ts';

/** Cloopen create profile. */
export const cloopenCreateProfile = z.strictObject({
  friendlyName: z.described(
    text(64).check(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
      z.regex(/^[^\u0000-\u001f\u007f]+$/, 'friendlyName must not contain control characters'),
    ),
    'Unique sub-account name on the master account; the vendor recommends an email address.',
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
