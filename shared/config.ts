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
    const unset = raw[String(issue.path[0])] === undefined && issue.code !== 'custom';
    const message = unset ? 'is not set' : issue.message;
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

/** Settings of the pipeline (handler, ledger, queue), shared by Lambda and the local stack. */
export interface RuntimeConfig {
  readonly region: string;
  readonly tableName: string;
  /** Set locally (dynalite); absent in AWS. */
  readonly dynamodbEndpoint?: string | undefined;
  /** Set locally (fauxqs); absent in AWS. */
  readonly sqsEndpoint?: string | undefined;
  /** The queue the handler consumes, for visibility backoff (`ChangeMessageVisibility`). */
  readonly queueUrl?: string | undefined;
  /** Exactly one of these seals stored credentials: a KMS key in AWS, a local AES key on a laptop. */
  readonly credentialsKey:
    | { readonly kind: 'kms'; readonly keyId: string }
    | { readonly kind: 'local'; readonly keyId: string; readonly key: Secret };
  /** Secrets Manager secret whose JSON holds the `CLOOPEN_*` / `BAIJIAYUN_*` settings (AWS only). */
  readonly vendorSecretArn?: string | undefined;
  readonly defaultHorizonDays: number;
  readonly maxReceiveCount: number;
  /** Backoff of a transiently failed message: base × 2^(deliveries-1) seconds, capped, with jitter. */
  readonly retryBaseSeconds: number;
  readonly retryMaxSeconds: number;
  /**
   * A record is started only while at least this much of the invocation is left (the worst case of one
   * request: a lookup, a create and a read, each with its timeout). Later records go back to the queue
   * untried instead of dying with the invocation.
   */
  readonly recordTimeBudgetMs: number;
}

const runtimeSchema = z
  .object({
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region like us-east-1')
      .default('us-east-1'),
    tableName: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name'),
    dynamodbEndpoint: httpUrl.optional(),
    sqsEndpoint: httpUrl.optional(),
    queueUrl: z.url({ error: 'must be a queue URL' }).optional(),
    kmsKeyId: z.string().min(1).optional(),
    localKey: z
      .string()
      .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes in base64')
      .optional(),
    vendorSecretArn: z.string().startsWith('arn:', 'must be a Secrets Manager ARN').optional(),
    defaultHorizonDays: positiveInt(365),
    maxReceiveCount: positiveInt(5),
    retryBaseSeconds: positiveInt(10),
    retryMaxSeconds: positiveInt(900),
    recordTimeBudgetMs: positiveInt(45_000),
  })
  .refine((c) => (c.kmsKeyId === undefined) !== (c.localKey === undefined), {
    path: ['kmsKeyId'],
    message: 'set exactly one of CREDENTIALS_KMS_KEY_ID and CREDENTIALS_LOCAL_KEY',
  });

/** Reads the pipeline's variables. Throws {@link ConfigurationError} naming each bad variable. */
export function loadRuntimeConfig(env: Environment = process.env): RuntimeConfig {
  const c = parse(runtimeSchema, env, {
    region: 'AWS_REGION',
    tableName: 'LEDGER_TABLE_NAME',
    dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
    sqsEndpoint: 'SQS_ENDPOINT',
    queueUrl: 'QUEUE_URL',
    kmsKeyId: 'CREDENTIALS_KMS_KEY_ID',
    localKey: 'CREDENTIALS_LOCAL_KEY',
    vendorSecretArn: 'VENDOR_SECRET_ARN',
    defaultHorizonDays: 'DEFAULT_HORIZON_DAYS',
    maxReceiveCount: 'MAX_RECEIVE_COUNT',
    retryBaseSeconds: 'RETRY_BASE_SECONDS',
    retryMaxSeconds: 'RETRY_MAX_SECONDS',
    recordTimeBudgetMs: 'RECORD_TIME_BUDGET_MS',
  });
  const { kmsKeyId, localKey, ...rest } = c;
  return {
    ...rest,
    credentialsKey:
      kmsKeyId !== undefined
        ? { kind: 'kms', keyId: kmsKeyId }
        : { kind: 'local', keyId: 'local', key: new Secret(localKey ?? '') },
  };
}

/** The environment, for the composition roots that pass it on (they must not read `process.env` themselves). */
export function processEnvironment(): Environment {
  return process.env;
}

/** Settings of the `provisioner` CLI. */
export interface CliConfig {
  /** A deployed stack's name: its outputs locate the queue and table (else the local stack is used). */
  readonly stackName?: string | undefined;
  readonly region: string;
  /** Where `npm start` writes what the CLI needs to find it. */
  readonly stateFile?: string | undefined;
}

const cliSchema = z.object({
  stackName: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'must be a CloudFormation stack name')
    .optional(),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region like us-east-1')
    .default('us-east-1'),
  stateFile: z.string().min(1).optional(),
});

/** Reads `PROVISIONER_STACK`, `AWS_REGION` (or `AWS_DEFAULT_REGION`) and `PROVISIONER_STATE_FILE`. */
export function loadCliConfig(env: Environment = process.env): CliConfig {
  return parse(
    cliSchema,
    { ...env, AWS_REGION: env.AWS_REGION ?? env.AWS_DEFAULT_REGION },
    {
      stackName: 'PROVISIONER_STACK',
      region: 'AWS_REGION',
      stateFile: 'PROVISIONER_STATE_FILE',
    },
  );
}

/**
 * The vendor settings (`CLOOPEN_*`, `BAIJIAYUN_*`) present in an environment, for the local stack: when an
 * operator sets a vendor's base URL, that vendor's calls go there (a sandbox) instead of to its simulator.
 * A vendor is taken from the environment only when its base URL is set, so a stray `CLOOPEN_FORMAT=xml`
 * still applies to the simulator without pointing half of the settings elsewhere.
 */
export function vendorOverrides(env: Environment): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const prefix of ['CLOOPEN_', 'BAIJIAYUN_']) {
    const ownTarget = Boolean(env[`${prefix}BASE_URL`]);
    for (const [key, value] of Object.entries(env)) {
      if (!key.startsWith(prefix) || !value) continue;
      if (ownTarget || !/_(BASE_URL|ACCOUNT_SID|AUTH_TOKEN|APP_ID|PARTNER_ID|PARTNER_KEY)$/.test(key))
        out[key] = value;
    }
  }
  return out;
}
