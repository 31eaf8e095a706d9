import { DEFAULT_QUARANTINE } from './domain/quarantine.ts';
import { ConfigurationError } from './errors.ts';
import { DEFAULT_RECORD_CONCURRENCY } from './lambda/fifo-batch.ts';
import type { PlatformSettings, SettingsSource } from './ports/platform-module.ts';
import { Secret } from './secret.ts';
import * as z from './zod.ts';

export { ConfigurationError };

/**
 * Configuration is read here, once, and nowhere else: no other module reads `process.env`.
 *
 * Each loader takes the environment as an argument (default `process.env`) so tests pass their own, and
 * reads only what its part needs: `provisioner platform cloopen …` works without Baijiayun settings.
 */
export type Environment = Readonly<Record<string, string | undefined>>;

/** An http(s) URL setting, kept without trailing slashes. */
export const httpUrl = z.pipe(
  z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  z.transform((url: string) => url.replace(/\/+$/, '')),
);
/** A positive integer setting with a default. */
export const positiveInt = (fallback: number) =>
  z._default(z.coerce.number().check(z.int(), z.positive()), fallback);

function parse<S extends z.ZodMiniObject>(
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

/** Reads one platform's settings from a source keyed by variable name (see {@link PlatformSettings}). */
export function loadPlatformSettings<S extends z.ZodMiniObject>(
  settings: PlatformSettings & { readonly schema: S },
  source: SettingsSource,
): z.infer<S> {
  return parse(settings.schema, source, settings.variables);
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
  /** Days a rejection record is kept (DynamoDB TTL). */
  readonly rejectionTtlDays: number;
  /** Exactly one of these seals stored credentials: a KMS key in AWS, a local AES key on a laptop. */
  readonly credentialsKey:
    | { readonly kind: 'kms'; readonly keyId: string }
    | { readonly kind: 'local'; readonly keyId: string; readonly key: Secret };
  /** Set locally (a stand-in for Secrets Manager); absent in AWS. */
  readonly secretsManagerEndpoint?: string | undefined;
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
  /**
   * Records of one batch in flight at once, each of a different message group (tenant); a group's own
   * records always run one after another. See `DEFAULT_RECORD_CONCURRENCY` for the default's reasons.
   */
  readonly recordConcurrency: number;
  /** Provider quarantine: at least this many calls in the window… */
  readonly quarantineMinCalls: number;
  readonly quarantineWindowMs: number;
  /** …this share of them failing (percent) trips it; cool-downs grow from the first to the longest. */
  readonly quarantineFailurePercent: number;
  readonly quarantineCoolDownMs: number;
  readonly quarantineMaxCoolDownMs: number;
  /**
   * Where outcome events go: the EventBridge bus in AWS (`OUTCOME_BUS_NAME`), a plain queue under `npm
   * start` (`OUTCOME_QUEUE_URL`), at most one of the two; without either none are published.
   */
  readonly outcomes?:
    | { readonly kind: 'bus'; readonly busName: string }
    | { readonly kind: 'queue'; readonly queueUrl: string }
    | undefined;
}

const awsRegion = z._default(
  z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region like us-east-1')),
  'us-east-1',
);

const baseShape = {
  region: awsRegion,
  tableName: z.string().check(z.regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name')),
  dynamodbEndpoint: z.optional(httpUrl),
  sqsEndpoint: z.optional(httpUrl),
  queueUrl: z.optional(z.url({ error: 'must be a queue URL' })),
  rejectionTtlDays: positiveInt(90),
  secretsManagerEndpoint: z.optional(httpUrl),
};
const baseVariables = {
  region: 'AWS_REGION',
  tableName: 'LEDGER_TABLE_NAME',
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  sqsEndpoint: 'SQS_ENDPOINT',
  queueUrl: 'QUEUE_URL',
  rejectionTtlDays: 'REJECTION_TTL_DAYS',
  secretsManagerEndpoint: 'SECRETS_MANAGER_ENDPOINT',
};

/** Where the ledger, the provisioning queue and Secrets Manager are: what a function that seals nothing needs. */
export type BaseConfig = Pick<
  RuntimeConfig,
  | 'region'
  | 'tableName'
  | 'dynamodbEndpoint'
  | 'sqsEndpoint'
  | 'queueUrl'
  | 'rejectionTtlDays'
  | 'secretsManagerEndpoint'
>;

/** Reads `AWS_REGION`, `LEDGER_TABLE_NAME`, `QUEUE_URL` and the local endpoints. */
export function loadBaseConfig(env: Environment): BaseConfig {
  return parse(z.object(baseShape), env, baseVariables);
}

// The defaults are the policy's own (see DEFAULT_QUARANTINE), so the two cannot drift apart.
const quarantineShape = {
  quarantineMinCalls: positiveInt(DEFAULT_QUARANTINE.minCalls),
  quarantineWindowMs: positiveInt(DEFAULT_QUARANTINE.windowMs),
  quarantineFailurePercent: z._default(
    z.coerce.number().check(z.minimum(1), z.maximum(100)),
    DEFAULT_QUARANTINE.failureRatio * 100,
  ),
  quarantineCoolDownMs: positiveInt(DEFAULT_QUARANTINE.initialCoolDownMs),
  quarantineMaxCoolDownMs: positiveInt(DEFAULT_QUARANTINE.maxCoolDownMs),
};
const quarantineVariables = {
  quarantineMinCalls: 'QUARANTINE_MIN_CALLS',
  quarantineWindowMs: 'QUARANTINE_WINDOW_MS',
  quarantineFailurePercent: 'QUARANTINE_FAILURE_PERCENT',
  quarantineCoolDownMs: 'QUARANTINE_COOL_DOWN_MS',
  quarantineMaxCoolDownMs: 'QUARANTINE_MAX_COOL_DOWN_MS',
};

const runtimeSchema = z
  .object({
    ...baseShape,
    kmsKeyId: z.optional(z.string().check(z.minLength(1))),
    localKey: z.optional(
      z.string().check(z.refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes in base64')),
    ),
    defaultHorizonDays: positiveInt(365),
    maxReceiveCount: positiveInt(5),
    retryBaseSeconds: positiveInt(10),
    retryMaxSeconds: positiveInt(900),
    recordTimeBudgetMs: positiveInt(45_000),
    recordConcurrency: positiveInt(DEFAULT_RECORD_CONCURRENCY),
    ...quarantineShape,
    outcomeBusName: z.optional(
      z.string().check(z.regex(/^[A-Za-z0-9._\-/]{1,256}$/, 'must be an EventBridge bus name')),
    ),
    outcomeQueueUrl: z.optional(z.url({ error: 'must be a queue URL' })),
  })
  .check(
    z.refine((c) => c.outcomeBusName === undefined || c.outcomeQueueUrl === undefined, {
      path: ['outcomeBusName'],
      message: 'and OUTCOME_QUEUE_URL are both set: set at most one',
    }),
  )
  .check(
    z.refine((c) => (c.kmsKeyId === undefined) !== (c.localKey === undefined), {
      path: ['kmsKeyId'],
      message: 'set exactly one of CREDENTIALS_KMS_KEY_ID and CREDENTIALS_LOCAL_KEY',
    }),
  );

/** Reads the pipeline's variables. Throws {@link ConfigurationError} naming each bad variable. */
export function loadRuntimeConfig(env: Environment = process.env): RuntimeConfig {
  const c = parse(runtimeSchema, env, {
    ...baseVariables,
    kmsKeyId: 'CREDENTIALS_KMS_KEY_ID',
    localKey: 'CREDENTIALS_LOCAL_KEY',
    defaultHorizonDays: 'DEFAULT_HORIZON_DAYS',
    maxReceiveCount: 'MAX_RECEIVE_COUNT',
    retryBaseSeconds: 'RETRY_BASE_SECONDS',
    retryMaxSeconds: 'RETRY_MAX_SECONDS',
    recordTimeBudgetMs: 'RECORD_TIME_BUDGET_MS',
    recordConcurrency: 'RECORD_CONCURRENCY',
    ...quarantineVariables,
    outcomeBusName: 'OUTCOME_BUS_NAME',
    outcomeQueueUrl: 'OUTCOME_QUEUE_URL',
  });
  const { kmsKeyId, localKey, outcomeBusName, outcomeQueueUrl, ...rest } = c;
  return {
    ...rest,
    outcomes:
      outcomeBusName !== undefined
        ? { kind: 'bus', busName: outcomeBusName }
        : outcomeQueueUrl !== undefined
          ? { kind: 'queue', queueUrl: outcomeQueueUrl }
          : undefined,
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

/** How processes book the fleet-wide rate budget (each platform's rate is its own setting, capped at its limit). */
export interface RateBudgetConfig {
  /** The most consecutive slots one write books: fewer writes per request, more slots lost when demand stops. */
  readonly blockSize: number;
  /** How far past now the budget may be booked; callers beyond it wait before booking. */
  readonly maxAheadMs: number;
}

/** Reads `RATE_BUDGET_BLOCK_SIZE` (1-20, default 5) and `RATE_BUDGET_MAX_AHEAD_MS` (1000-60000, default 10000). */
export function loadRateBudgetConfig(env: Environment): RateBudgetConfig {
  return parse(
    z.object({
      blockSize: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(20)), 5),
      maxAheadMs: z._default(z.coerce.number().check(z.int(), z.minimum(1_000), z.maximum(60_000)), 10_000),
    }),
    env,
    { blockSize: 'RATE_BUDGET_BLOCK_SIZE', maxAheadMs: 'RATE_BUDGET_MAX_AHEAD_MS' },
  );
}

/** Settings of the `provisioner` CLI. */
export interface CliConfig {
  /** A deployed stack's name: its outputs locate the queue and table (else the local stack is used). */
  readonly stackName?: string | undefined;
  readonly region: string;
  /** Where `npm start` writes what the CLI needs to find it. */
  readonly stateFile?: string | undefined;
}

/** CloudFormation's rule for a stack name: a letter, then letters, digits and hyphens, 128 at most. */
export const STACK_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

const cliSchema = z.object({
  stackName: z.optional(z.string().check(z.regex(STACK_NAME_PATTERN, 'must be a CloudFormation stack name'))),
  region: awsRegion,
  stateFile: z.optional(z.string().check(z.minLength(1))),
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
 * The platform settings present in an environment, for the local stack: when an operator sets a platform's
 * endpoint (its base URL), that platform's calls go there (a sandbox) instead of to its simulator. Its target
 * settings are taken from the environment only then, so a stray tuning variable (say `…_FORMAT=xml`) still
 * applies to the simulator without pointing half of the settings elsewhere.
 */
export function platformOverrides(
  env: Environment,
  platforms: readonly { readonly settings: PlatformSettings }[],
): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const { settings } of platforms) {
    const endpoint = settings.variables[settings.endpoint];
    const ownTarget = endpoint !== undefined && Boolean(env[endpoint]);
    for (const [key, variable] of Object.entries(settings.variables)) {
      const value = env[variable];
      if (value && (ownTarget || !settings.target.includes(key))) out[variable] = value;
    }
  }
  return out;
}

/**
 * Settings for the read-only platform checks: a platform whose master account is set in the environment
 * uses the environment; any other takes the fallback's (the local stack's simulators). Variables set in the
 * environment still apply on top, so `…_FORMAT=xml` changes how the simulator is called.
 */
export function platformSettingsWithFallback(
  env: Environment,
  fallback: Readonly<Record<string, string>>,
  platforms: readonly { readonly settings: PlatformSettings }[],
): Environment {
  const merged: Record<string, string | undefined> = {};
  for (const { settings } of platforms) {
    const account = settings.variables[settings.account];
    if (account === undefined || env[account]) continue;
    for (const variable of Object.values(settings.variables)) {
      if (fallback[variable] !== undefined) merged[variable] = fallback[variable];
    }
  }
  for (const [k, v] of Object.entries(env)) if (v) merged[k] = v;
  return merged;
}

/**
 * The variable that names a platform's own Secrets Manager secret in AWS: its prefix and `SECRET_ARN`
 * (`CLOOPEN_SECRET_ARN`). The stack sets it on every function that calls the platforms, from the same rule.
 */
export function platformSecretVariable(settings: Pick<PlatformSettings, 'prefix'>): string {
  return `${settings.prefix}SECRET_ARN`;
}

const secretArn = z
  .string()
  .check(z.regex(/^arn:[\w-]+:secretsmanager:/, 'must be a Secrets Manager secret ARN'));

/**
 * Reads each platform's `{PREFIX}SECRET_ARN` (see {@link platformSecretVariable}): the secrets its settings
 * come from in AWS, by platform name. A platform without one takes its settings from the environment
 * (locally, the CLI).
 */
export function loadPlatformSecretArns(
  env: Environment,
  platforms: readonly { readonly name: string; readonly settings: PlatformSettings }[],
): ReadonlyMap<string, string> {
  const names = Object.fromEntries(platforms.map((p) => [p.name, platformSecretVariable(p.settings)]));
  const arns = parse(
    z.object(Object.fromEntries(platforms.map((p) => [p.name, z.optional(secretArn)]))),
    env,
    names,
  ) as Record<string, string | undefined>;
  return new Map(
    platforms.flatMap((p) => {
      const arn = arns[p.name];
      return arn === undefined ? [] : [[p.name, arn] as const];
    }),
  );
}

/**
 * Whether a platform's secret holds none of the settings it is there for (its `secret` ones): never filled
 * in, or filled with blanks. Such a platform is reported as waiting for its credentials.
 */
export function isEmptyPlatformSecret(
  values: Readonly<Record<string, unknown>>,
  settings: PlatformSettings,
): boolean {
  return settings.secret.every((key) => {
    const value = values[settings.variables[key] ?? key];
    return value === undefined || value === null || String(value).trim() === '';
  });
}

/**
 * The settings a platform is built from in AWS: the environment overlaid with the platform's own secret,
 * a JSON object keyed by that platform's variable names (operators may add any of its variables to it; a
 * key of another platform is ignored, so one vendor's secret can never point another elsewhere).
 */
export function withPlatformSecret(
  env: Environment,
  secret: unknown,
  platform: { readonly settings: PlatformSettings },
): Environment {
  const variable = platformSecretVariable(platform.settings);
  if (typeof secret !== 'object' || secret === null || Array.isArray(secret)) {
    throw new ConfigurationError(
      `${variable} must name a JSON object of ${platform.settings.prefix}* settings`,
      [variable],
    );
  }
  const values = new Map(Object.entries(secret));
  const out: Record<string, string | undefined> = { ...env };
  for (const name of Object.values(platform.settings.variables)) {
    const value = values.get(name);
    if (typeof value === 'string' || typeof value === 'number') out[name] = String(value);
  }
  return out;
}

/** The expiry sweep's settings: a grace per platform, and the blast-radius guard. */
export interface SweepConfig {
  /** Days after `expiresAt` before an account is closed, per platform name; `undefined` never closes. */
  readonly graceDays: ReadonlyMap<string, number | undefined>;
  readonly defaultGraceDays: number | undefined;
  /** The guard trips above max(`guardMinimum`, `guardPercent` % of live (active or suspended) accounts)… */
  readonly guardMinimum: number;
  readonly guardPercent: number;
  /** …and no run acts on more than this many accounts. */
  readonly maxActionsPerRun: number;
}

const graceDays = z.pipe(
  z.union([z.literal('never'), z.coerce.number().check(z.int(), z.minimum(0), z.maximum(36_500))], {
    error: 'must be a number of days or "never"',
  }),
  z.transform((v: 'never' | number) => (v === 'never' ? undefined : v)),
);

/**
 * Reads `SWEEP_GRACE_DAYS` (default 30; `never` never closes), `SWEEP_GRACE_DAYS_{PLATFORM}` per platform
 * name in capitals (over the default), `SWEEP_GUARD_MINIMUM` (20), `SWEEP_GUARD_PERCENT` (5) and
 * `SWEEP_MAX_ACTIONS` (500).
 */
export function loadSweepConfig(env: Environment, platforms: readonly string[]): SweepConfig {
  const c = parse(
    z.object({
      defaultGrace: z._default(graceDays, 30),
      guardMinimum: positiveInt(20),
      guardPercent: z._default(z.coerce.number().check(z.minimum(0), z.maximum(100)), 5),
      maxActionsPerRun: positiveInt(500),
    }),
    env,
    {
      defaultGrace: 'SWEEP_GRACE_DAYS',
      guardMinimum: 'SWEEP_GUARD_MINIMUM',
      guardPercent: 'SWEEP_GUARD_PERCENT',
      maxActionsPerRun: 'SWEEP_MAX_ACTIONS',
    },
  );
  const grace = new Map<string, number | undefined>();
  for (const name of platforms) {
    const variable = `SWEEP_GRACE_DAYS_${name.toUpperCase()}`;
    const own = parse(z.object({ days: z.optional(graceDays) }), env, { days: variable });
    grace.set(name, env[variable]?.trim() ? own.days : c.defaultGrace);
  }
  return {
    graceDays: grace,
    defaultGraceDays: c.defaultGrace,
    guardMinimum: c.guardMinimum,
    guardPercent: c.guardPercent,
    maxActionsPerRun: c.maxActionsPerRun,
  };
}

/** The quarantine settings a runtime configuration names. */
export function quarantineSettings(
  runtime: Pick<
    RuntimeConfig,
    | 'quarantineMinCalls'
    | 'quarantineWindowMs'
    | 'quarantineFailurePercent'
    | 'quarantineCoolDownMs'
    | 'quarantineMaxCoolDownMs'
  >,
) {
  return {
    minCalls: runtime.quarantineMinCalls,
    windowMs: runtime.quarantineWindowMs,
    failureRatio: runtime.quarantineFailurePercent / 100,
    initialCoolDownMs: runtime.quarantineCoolDownMs,
    maxCoolDownMs: Math.max(runtime.quarantineCoolDownMs, runtime.quarantineMaxCoolDownMs),
  };
}

/** Reads only the `QUARANTINE_*` settings (for the prober, which needs no credentials key). */
export function loadQuarantineSettings(env: Environment) {
  return quarantineSettings(parse(z.object(quarantineShape), env, quarantineVariables));
}
