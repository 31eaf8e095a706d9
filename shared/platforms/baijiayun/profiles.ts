import { count, instant, text } from '../../domain/fields.ts';
import * as z from '../../zod.ts';

const liveLine = z.strictObject({
  enabled: z.boolean(),
  userLimit: z.described(z.optional(count), 'Concurrent users (concurrency billing only).'),
  maxUserLimit: z.described(
    z.optional(count),
    'Concurrent users allowed beyond userLimit (concurrency billing only).',
  ),
  maxSpeakers: z.described(z.optional(count), 'People on the mic at once.'),
});

const products = z.strictObject({
  largeClass: z.described(z.optional(liveLine), '大班课 large-class live line.'),
  smallClass: z.described(
    z.optional(z.strictObject({ enabled: z.boolean() })),
    '小班课 small-class live line.',
  ),
  business: z.described(z.optional(liveLine), '企业直播 enterprise live line.'),
  video: z.described(
    z.optional(
      z.strictObject({
        enabled: z.boolean(),
        flow: z.optional(count),
        maxFlow: z.optional(count),
        storageLimit: z.optional(count),
        maxStorageLimit: z.optional(count),
      }),
    ),
    '点播 video-on-demand line and its quotas (ignored by the platform in pay-as-you-go billing).',
  ),
});

const mobile = z
  .string()
  .check(z.regex(/^1\d{10}$/, 'mobile must be an 11-digit mainland China mobile number'));
const password = z
  .string()
  .check(
    z.minLength(6, 'password must be 6-18 characters'),
    z.maxLength(18, 'password must be 6-18 characters'),
    z.regex(/^[\x21-\x7e]+$/, 'password must be printable ASCII without spaces'),
  );

/** Baijiayun create profile. */
export const baijiayunCreateProfile = z.strictObject({
  mobile: z.described(mobile, 'Login mobile; unique on the platform.'),
  email: z.email('email must be an email address'),
  password: z.described(z.optional(password), 'Generated (16 characters) when absent.'),
  company: z.optional(text(100)),
  contacts: z.optional(text(50)),
  effectTime: z.described(z.optional(instant), 'When the account starts working; now when absent.'),
  products: z.optional(products),
  creditMoney: z.described(z.optional(count), 'Credit allowed to the sub-account.'),
});

/** Baijiayun update profile: only the fields present change. */
export const baijiayunUpdateProfile = z.partial(baijiayunCreateProfile);

/** Baijiayun create profile after validation. */
export type BaijiayunCreateProfile = z.infer<typeof baijiayunCreateProfile>;
/** Baijiayun update profile after validation. */
export type BaijiayunUpdateProfile = z.infer<typeof baijiayunUpdateProfile>;
