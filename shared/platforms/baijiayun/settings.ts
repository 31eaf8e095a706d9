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
  /** Client-side limiter: at most this many requests… */
  readonly rateLimitRequests: number;
  /** …per this many milliseconds (the platform allows 200 per 10 s per partner and IP). */
  readonly rateLimitWindowMs: number;
}

/** Baijiayun's documented budget: requests per 10 s per partner and calling IP. */
export const BAIJIAYUN_REQUESTS_PER_WINDOW = 200;
/** What the CLI and ad-hoc sweeps may use of that budget while the pipeline runs. */
export const BAIJIAYUN_RESERVED_FOR_OPERATORS = 20;

/** `BAIJIAYUN_*`: the partner account and the client-side rate limit. */
export const baijiayunSettings = {
  prefix: 'BAIJIAYUN_',
  variables: {
    baseUrl: 'BAIJIAYUN_BASE_URL',
    partnerId: 'BAIJIAYUN_PARTNER_ID',
    partnerKey: 'BAIJIAYUN_PARTNER_KEY',
    timeoutMs: 'BAIJIAYUN_TIMEOUT_MS',
    rateLimitRequests: 'BAIJIAYUN_RATE_LIMIT_REQUESTS',
    rateLimitWindowMs: 'BAIJIAYUN_RATE_LIMIT_WINDOW_MS',
  },
  target: ['baseUrl', 'partnerId', 'partnerKey'],
  endpoint: 'baseUrl',
  account: 'partnerId',
  secret: ['baseUrl', 'partnerId', 'partnerKey', 'rateLimitRequests'],
  schema: z.object({
    baseUrl: httpUrl,
    partnerId: z.string().check(z.regex(/^\d{1,20}$/, 'must be the numeric partner id')),
    partnerKey: z.string().check(z.minLength(1)),
    timeoutMs: positiveInt(10_000),
    // 180 rather than 200: other processes with the same partner and IP (the CLI, a sweep) share the budget.
    rateLimitRequests: positiveInt(BAIJIAYUN_REQUESTS_PER_WINDOW - BAIJIAYUN_RESERVED_FOR_OPERATORS),
    rateLimitWindowMs: positiveInt(10_000),
  }),
} as const satisfies PlatformSettings;

/** Reads `BAIJIAYUN_*`. Throws `ConfigurationError` naming each bad variable. */
export function loadBaijiayunConfig(source: SettingsSource): BaijiayunConfig {
  const c = loadPlatformSettings(baijiayunSettings, source);
  return { ...c, partnerKey: new Secret(c.partnerKey) };
}

/**
 * Each execution environment runs its own limiter while the platform counts per partner and IP: the
 * deployed secret starts with the budget split over the environments the queue may run at once.
 */
export function baijiayunSecretDefaults(deployment: {
  readonly maxConcurrency: number;
}): Readonly<Record<string, string>> {
  const perEnvironment = Math.max(
    1,
    Math.floor(
      (BAIJIAYUN_REQUESTS_PER_WINDOW - BAIJIAYUN_RESERVED_FOR_OPERATORS) / deployment.maxConcurrency,
    ),
  );
  return { [baijiayunSettings.variables.rateLimitRequests]: String(perEnvironment) };
}
