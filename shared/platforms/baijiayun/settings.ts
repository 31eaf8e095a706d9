import { httpUrl, loadPlatformSettings, positiveInt } from '../../config.ts';
import type { PlatformSettings, SettingsSource } from '../../ports/platform-module.ts';
import { Secret } from '../../secret.ts';
import * as z from '../../zod.ts';

/** Settings of the Baijiayun client. */
export interface BaijiayunConfig {
  readonly baseUrl: string;
  readonly partnerId: string;
  readonly partnerKey: Secret;
  readonly timeoutMs: number;
  /**
   * Requests per {@link BAIJIAYUN_WINDOW_MS} for the whole fleet together (every process drawing on the
   * shared budget), paced evenly; at most {@link BAIJIAYUN_REQUESTS_PER_WINDOW}.
   */
  readonly rateLimitRequests: number;
}

/** Baijiayun's documented budget: requests per 10 s per partner and calling IP. */
export const BAIJIAYUN_REQUESTS_PER_WINDOW = 200;
/** The platform's window. */
export const BAIJIAYUN_WINDOW_MS = 10_000;
/**
 * What the default rate keeps back from the platform's limit: slack for requests that reach the platform
 * later or closer together than their slots (network jitter, timers, clocks of different hosts) and for
 * ad-hoc calls from the same IP outside the budget. 5 slots of 51 ms are about 250 ms of slack.
 */
export const BAIJIAYUN_RESERVED_REQUESTS = 5;

/** `BAIJIAYUN_*`: the partner account and the fleet-wide rate. */
export const baijiayunSettings = {
  prefix: 'BAIJIAYUN_',
  variables: {
    baseUrl: 'BAIJIAYUN_BASE_URL',
    partnerId: 'BAIJIAYUN_PARTNER_ID',
    partnerKey: 'BAIJIAYUN_PARTNER_KEY',
    timeoutMs: 'BAIJIAYUN_TIMEOUT_MS',
    rateLimitRequests: 'BAIJIAYUN_RATE_LIMIT_REQUESTS',
  },
  target: ['baseUrl', 'partnerId', 'partnerKey'],
  endpoint: 'baseUrl',
  account: 'partnerId',
  secret: ['baseUrl', 'partnerId', 'partnerKey'],
  schema: z.object({
    baseUrl: httpUrl,
    partnerId: z.string().check(z.regex(/^\d{1,20}$/, 'must be the numeric partner id')),
    partnerKey: z.string().check(z.minLength(1)),
    timeoutMs: positiveInt(10_000),
    // The fleet's rate, not a process's: a missing value means the default, and no value can raise the fleet
    // above the platform's limit, since one shared budget paces every process.
    rateLimitRequests: z._default(
      z.coerce
        .number()
        .check(
          z.int(),
          z.positive(),
          z.maximum(
            BAIJIAYUN_REQUESTS_PER_WINDOW,
            `must be at most ${BAIJIAYUN_REQUESTS_PER_WINDOW}: the platform allows no more per 10 s, for the whole fleet`,
          ),
        ),
      BAIJIAYUN_REQUESTS_PER_WINDOW - BAIJIAYUN_RESERVED_REQUESTS,
    ),
  }),
} as const satisfies PlatformSettings;

/** Reads `BAIJIAYUN_*`. Throws `ConfigurationError` naming each bad variable. */
export function loadBaijiayunConfig(source: SettingsSource): BaijiayunConfig {
  const c = loadPlatformSettings(baijiayunSettings, source);
  return { ...c, partnerKey: new Secret(c.partnerKey) };
}
