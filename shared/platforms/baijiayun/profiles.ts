import { z } from 'zod';
import { count, instant, text } from '../../domain/fields.ts';

const liveLine = z
  .object({
    enabled: z.boolean(),
    userLimit: count.optional().describe('Concurrent users (concurrency billing only).'),
    maxUserLimit: count
      .optional()
      .describe('Concurrent users allowed beyond userLimit (concurrency billing only).'),
    maxSpeakers: count.optional().describe('People on the mic at once.'),
  })
  .strict();

const products = z
  .object({
    largeClass: liveLine.optional().describe('大班课 large-class live line.'),
    smallClass: z
      .object({ enabled: z.boolean() })
      .strict()
      .optional()
      .describe('小班课 small-class live line.'),
    business: liveLine.optional().describe('企业直播 enterprise live line.'),
    video: z
      .object({
        enabled: z.boolean(),
        flow: count.optional(),
        maxFlow: count.optional(),
        storageLimit: count.optional(),
        maxStorageLimit: count.optional(),
      })
      .strict()
      .optional()
      .describe(
        '点播 video-on-demand line and its quotas (ignored by the platform in pay-as-you-go billing).',
      ),
  })
  .strict();

const mobile = z.string().regex(/^1\d{10}$/, 'mobile must be an 11-digit mainland China mobile number');
const password = z
  .string()
  .min(6, 'password must be 6-18 characters')
  .max(18, 'password must be 6-18 characters')
  .regex(/^[\x21-\x7e]+$/, 'password must be printable ASCII without spaces');

/** Baijiayun create profile. */
export const baijiayunCreateProfile = z
  .object({
    mobile: mobile.describe('Login mobile; unique on the platform.'),
    email: z.email('email must be an email address'),
    password: password.optional().describe('Generated (16 characters) when absent.'),
    company: text(100).optional(),
    contacts: text(50).optional(),
    effectTime: instant.optional().describe('When the account starts working; now when absent.'),
    products: products.optional(),
    creditMoney: count.optional().describe('Credit allowed to the sub-account.'),
  })
  .strict();

/** Baijiayun update profile: only the fields present change. */
export const baijiayunUpdateProfile = baijiayunCreateProfile.partial().strict();

/** Baijiayun create profile after validation. */
export type BaijiayunCreateProfile = z.infer<typeof baijiayunCreateProfile>;
/** Baijiayun update profile after validation. */
export type BaijiayunUpdateProfile = z.infer<typeof baijiayunUpdateProfile>;
