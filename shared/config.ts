import { z } from 'zod';
import { Secret } from './secret.ts';

/**
 * Configuration is read here, once, and nowhere else: no other module reads `process.env`.
 *
 * Each loader takes the environment as an argument (default `process.env`) so tests pass their own, and
 * reads only what its part needs: `provisioner platform cloopen …` works without Baijiayun settings.
 */
export type Environment = Readonly<Record<string, string | undefined>>;

/** A missing or malformed setting. The message names the variable. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  /** The variables at fault. */
  readonly variables: readonly string[];

  constructor(message: string, variables: readonly string[]) {
    super(message);
    this.variables = variables;
  }
}

/** Production Cloopen REST base URL (version 2013-12-26). */
export const CLOOPEN_PRODUCTION_URL = 'https://app.cloopen.com:8883/2013-12-26';

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .transform((url) => url.replace(/\/+$/, ''));
const alnum32 = z.string().regex(/^[A-Za-z0-9]{32}$/, 'must be 32 letters and digits');
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

function parse<S extends z.ZodObject>(
  schema: S,
  env: Environment,
  names: Record<string, string>,
): z.infer<S> {
  const raw: Record<string, string | undefined> = {};
  for (const [key, variable] of Object.entries(names)) {
    const value = env[variable];
    raw[key] = value === undefined || value.trim() === '' ? undefined : value.trim();
  }
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = names[String(issue.path[0])] ?? String(issue.path[0]);
    const message = raw[String(issue.path[0])] === undefined ? 'is not set' : issue.message;
    return { variable, text: `${variable} ${message}` };
  });
  throw new ConfigurationError(
    `Invalid configuration: ${problems.map((p) => p.text).join('; ')}`,
    problems.map((p) => p.variable),
  );
}

/** Settings of the Cloopen client. */
export interface CloopenConfig {
  readonly baseUrl: string;
  readonly accountSid: string;
  readonly authToken: Secret;
  readonly appId: string;
  readonly format: 'json' | 'xml';
  readonly timeoutMs: number;
}

const cloopenSchema = z.object({
  baseUrl: httpUrl.default(CLOOPEN_PRODUCTION_URL),
  accountSid: alnum32,
  authToken: alnum32,
  appId: alnum32,
  format: z.enum(['json', 'xml'], { error: 'must be json or xml' }).default('json'),
  timeoutMs: positiveInt(10_000),
});

/** Reads `CLOOPEN_*`. Throws {@link ConfigurationError} naming each bad variable. */
export function loadCloopenConfig(env: Environment = process.env): CloopenConfig {
  const c = parse(cloopenSchema, env, {
    baseUrl: 'CLOOPEN_BASE_URL',
    accountSid: 'CLOOPEN_ACCOUNT_SID',
    authToken: 'CLOOPEN_AUTH_TOKEN',
    appId: 'CLOOPEN_APP_ID',
    format: 'CLOOPEN_FORMAT',
    timeoutMs: 'CLOOPEN_TIMEOUT_MS',
  });
  return { ...c, authToken: new Secret(c.authToken) };
}

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

const baijiayunSchema = z.object({
  baseUrl: httpUrl,
  partnerId: z.string().regex(/^\d{1,20}$/, 'must be the numeric partner id'),
  partnerKey: z.string().min(1),
  timeoutMs: positiveInt(10_000),
  // 180 rather than 200: other processes with the same partner and IP (the CLI, a sweep) share the budget.
  rateLimitRequests: positiveInt(180),
  rateLimitWindowMs: positiveInt(10_000),
});

/** Reads `BAIJIAYUN_*`. Throws {@link ConfigurationError} naming each bad variable. */
export function loadBaijiayunConfig(env: Environment = process.env): BaijiayunConfig {
  const c = parse(baijiayunSchema, env, {
    baseUrl: 'BAIJIAYUN_BASE_URL',
    partnerId: 'BAIJIAYUN_PARTNER_ID',
    partnerKey: 'BAIJIAYUN_PARTNER_KEY',
    timeoutMs: 'BAIJIAYUN_TIMEOUT_MS',
    rateLimitRequests: 'BAIJIAYUN_RATE_LIMIT_REQUESTS',
    rateLimitWindowMs: 'BAIJIAYUN_RATE_LIMIT_WINDOW_MS',
  });
  return { ...c, partnerKey: new Secret(c.partnerKey) };
}
