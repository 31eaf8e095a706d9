import { httpUrl, loadPlatformSettings, positiveInt } from '../../config.ts';
import type { PlatformSettings, SettingsSource } from '../../ports/platform-module.ts';
import { Secret } from '../../secret.ts';
import * as z from '../../zod.ts';

/** Production Cloopen REST base URL (version 2013-12-26). */
export const CLOOPEN_PRODUCTION_URL = 'https://app.cloopen.com:8883/2013-12-26';

/** Settings of the Cloopen client. */
export interface CloopenConfig {
  readonly baseUrl: string;
  readonly accountSid: string;
  readonly authToken: Secret;
  readonly appId: string;
  readonly format: 'json' | 'xml';
  readonly timeoutMs: number;
  /** After a 111111 (too many concurrent requests), this process's calls go one per this many ms until one succeeds. */
  readonly rateLimitedIntervalMs: number;
}

const alnum32 = z.string().check(z.regex(/^[A-Za-z0-9]{32}$/, 'must be 32 letters and digits'));

/** `CLOOPEN_*`: the master account, its application, and how to talk to the platform. */
export const cloopenSettings = {
  prefix: 'CLOOPEN_',
  variables: {
    baseUrl: 'CLOOPEN_BASE_URL',
    accountSid: 'CLOOPEN_ACCOUNT_SID',
    authToken: 'CLOOPEN_AUTH_TOKEN',
    appId: 'CLOOPEN_APP_ID',
    format: 'CLOOPEN_FORMAT',
    timeoutMs: 'CLOOPEN_TIMEOUT_MS',
    rateLimitedIntervalMs: 'CLOOPEN_RATE_LIMITED_INTERVAL_MS',
  },
  target: ['baseUrl', 'accountSid', 'authToken', 'appId'],
  endpoint: 'baseUrl',
  account: 'accountSid',
  secret: ['baseUrl', 'accountSid', 'authToken', 'appId'],
  schema: z.object({
    baseUrl: z._default(httpUrl, CLOOPEN_PRODUCTION_URL),
    accountSid: alnum32,
    authToken: alnum32,
    appId: alnum32,
    format: z._default(z.enum(['json', 'xml'], { error: 'must be json or xml' }), 'json'),
    timeoutMs: positiveInt(10_000),
    rateLimitedIntervalMs: positiveInt(1_000),
  }),
} as const satisfies PlatformSettings;

/** Reads `CLOOPEN_*`. Throws `ConfigurationError` naming each bad variable. */
export function loadCloopenConfig(source: SettingsSource): CloopenConfig {
  const c = loadPlatformSettings(cloopenSettings, source);
  return { ...c, authToken: new Secret(c.authToken) };
}
