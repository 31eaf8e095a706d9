import { z } from 'zod';
import { text } from '../../domain/fields.ts';

/** Cloopen create profile. */
export const cloopenCreateProfile = z
  .object({
    friendlyName: text(64)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
      .regex(/^[^\u0000-\u001f\u007f]+$/, 'friendlyName must not contain control characters')
      .describe('Unique sub-account name on the master account; the vendor recommends an email address.'),
    appId: z
      .string()
      .regex(/^[A-Za-z0-9]{32}$/, 'appId must be 32 letters and digits')
      .optional()
      .describe('Cloopen application; the configured CLOOPEN_APP_ID when absent.'),
  })
  .strict();

/** Cloopen has no update endpoint: an update can only move the ledger's expiry. */
export const cloopenUpdateProfile = z.object({}).strict();

/** Cloopen create profile after validation. */
export type CloopenCreateProfile = z.infer<typeof cloopenCreateProfile>;
