import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { awsClientOptions } from '../aws/local.ts';
import {
  type BaseConfig,
  type Environment,
  isEmptyPlatformSecret,
  platformSecretVariable,
  withPlatformSecret,
} from '../config.ts';
import { ProvisioningError } from '../domain/errors.ts';
import { ConfigurationError } from '../errors.ts';
import { platformModules } from '../platforms/registry.ts';
import { platformSecretArns } from '../platforms/sources.ts';
import type {
  ConnectedPlatform,
  ConnectOptions,
  PlatformDirectory,
  PlatformModule,
  Profile,
  SettingsSource,
} from '../ports/platform-module.ts';

/**
 * Stands in for a platform whose settings are absent, so a deployment that uses one platform does not
 * need the others'. Its failures are retryable: the requests wait in the queue (then the DLQ) until
 * someone configures the platform and redrives them, instead of being dropped.
 */
function unconfigured(
  module: PlatformModule,
  problem: ConfigurationError | PlatformSecretError,
): ConnectedPlatform {
  const fail = async (): Promise<never> => {
    throw new ProvisioningError(`${module.name} is not configured: ${problem.message}`, {
      reason: 'platform-not-configured',
      retryable: true,
      cause: problem,
    });
  };
  return {
    name: module.name,
    naturalKey: module.naturalKey,
    expiryRequired: module.expiryRequired,
    supports: new Set(),
    planCreate: (profile: Profile) => ({
      naturalKey: String(profile[module.naturalKey]),
      create: fail,
      findExisting: fail,
    }),
    planUpdate: () => ({ changed: [], apply: fail }),
    findByNaturalKey: fail,
    get: fail,
    list: () => ({ [Symbol.asyncIterator]: () => ({ next: fail }) }),
    suspend: fail,
    resume: fail,
    close: fail,
    masterAccountInfo: fail,
  };
}

/** What the runtime learns of each platform call (its latency feeds the dashboard). */
export type PlatformCallObserver = (call: {
  readonly platform: string;
  readonly operation: string;
  readonly ms: number;
  readonly ok: boolean;
}) => void;

/**
 * A `fetch` that reports each call's duration. The operation is the URL's last path segment, which is the
 * vendor's function name on every platform (`…/SubAccounts?sig=…`, `…/new_sub/addSubAccount`).
 */
export function observedFetch(
  platform: string,
  observe: PlatformCallObserver,
): NonNullable<ConnectOptions['fetch']> {
  return async (input, init) => {
    const url = new URL(String(input));
    const operation = url.pathname.split('/').filter(Boolean).at(-1) ?? 'unknown';
    const started = performance.now();
    let ok = false;
    try {
      const response = await fetch(input, init);
      ok = response.status < 500;
      return response;
    } finally {
      observe({ platform, operation, ms: performance.now() - started, ok });
    }
  };
}

/** Every registered platform, connected with the given settings; an unconfigured one fails retryably. */
export function buildPlatforms(
  source: SettingsSource,
  options: ConnectOptions & { readonly observe?: PlatformCallObserver | undefined } = {},
  modules: readonly PlatformModule[] = platformModules,
  unavailable: ReadonlyMap<string, PlatformSecretError> = new Map(),
): PlatformDirectory {
  const { observe, ...connect } = options;
  return new Map(
    modules.map((module) => {
      const problem = unavailable.get(module.name);
      if (problem !== undefined) return [module.name, unconfigured(module, problem)];
      try {
        const fetch = observe ? observedFetch(module.name, observe) : connect.fetch;
        return [module.name, module.connect(source, { ...connect, fetch })];
      } catch (error) {
        if (error instanceof ConfigurationError) return [module.name, unconfigured(module, error)];
        throw error;
      }
    }),
  );
}

/**
 * A platform secret that cannot make its platform available: `empty` (no value yet, or only blanks: the
 * state after the first deploy, until an operator puts the credentials in), `invalid` (not a JSON object)
 * or `unreadable` (Secrets Manager refused or failed).
 */
export class PlatformSecretError extends Error {
  override readonly name = 'PlatformSecretError';
  readonly platform: string;
  readonly problem: 'empty' | 'invalid' | 'unreadable';
  /** The variable naming the secret (`CLOOPEN_SECRET_ARN`). */
  readonly secretVariable: string;
  readonly secretArn: string;

  constructor(
    message: string,
    details: {
      readonly platform: string;
      readonly problem: PlatformSecretError['problem'];
      readonly secretVariable: string;
      readonly secretArn: string;
    },
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
    this.platform = details.platform;
    this.problem = details.problem;
    this.secretVariable = details.secretVariable;
    this.secretArn = details.secretArn;
  }
}

/** Told of every platform secret that leaves its platform unavailable, each time the secrets are read. */
export type PlatformSecretObserver = (problem: PlatformSecretError) => void;

/**
 * Reads a secret's current value: its text, or `undefined` while it has none (a secret created without a
 * value answers `ResourceNotFoundException` until its first `PutSecretValue`).
 */
export type SecretReader = (arn: string) => Promise<string | Uint8Array | undefined>;

/**
 * Secrets Manager through Powertools, which caches a value for five minutes, so reading per invocation
 * costs no extra calls. A secret without a value is not cached: it is asked again on the next read.
 */
export function secretsManagerReader(
  config: Pick<BaseConfig, 'region' | 'secretsManagerEndpoint'>,
): SecretReader {
  const provider = new SecretsProvider({
    clientConfig: awsClientOptions(config.region, config.secretsManagerEndpoint),
  });
  return async (arn) => {
    try {
      return await provider.get(arn, { maxAge: 300 });
    } catch (error) {
      // Powertools wraps the SDK's error; compared by name, as two copies of the SDK may be loaded.
      const cause = error instanceof Error ? error.cause : undefined;
      if (cause instanceof Error && cause.name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  };
}

/** The settings of every platform, and the platforms whose secret keeps them unavailable. */
export interface PlatformSettingsRead {
  readonly source: SettingsSource;
  readonly unavailable: ReadonlyMap<string, PlatformSecretError>;
}

async function readPlatformSecret(
  module: PlatformModule,
  arn: string,
  read: SecretReader,
): Promise<Readonly<Record<string, unknown>> | PlatformSecretError> {
  const secretVariable = platformSecretVariable(module.settings);
  const details = { platform: module.name, secretVariable, secretArn: arn };
  const how = `put its ${module.settings.prefix}* credentials in with aws secretsmanager put-secret-value --secret-id ${arn}`;
  let text: string | Uint8Array | undefined;
  try {
    text = await read(arn);
  } catch (error) {
    // The SDK's message names the secret and the refusal, never its value.
    const reason = error instanceof Error ? error.message : String(error);
    return new PlatformSecretError(
      `the secret ${secretVariable} could not be read (${reason})`,
      { ...details, problem: 'unreadable' },
      { cause: error },
    );
  }
  const empty = new PlatformSecretError(`the secret ${secretVariable} is still empty: ${how}`, {
    ...details,
    problem: 'empty',
  });
  if (text === undefined || (typeof text === 'string' && text.trim() === '')) return empty;
  let values: unknown;
  try {
    values = typeof text === 'string' ? JSON.parse(text) : undefined;
  } catch {
    // A parse error quotes the secret's text: name the failure, never pass its message on.
  }
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    return new PlatformSecretError(
      `the secret ${secretVariable} is not a JSON object of ${module.settings.prefix}* settings: ${how}`,
      { ...details, problem: 'invalid' },
    );
  }
  const record = values as Readonly<Record<string, unknown>>;
  return isEmptyPlatformSecret(record, module.settings) ? empty : record;
}

/**
 * The platform settings: the environment, overlaid with each platform's own secret where one is
 * configured (AWS). A secret that is empty, malformed or unreadable makes its platform unavailable, and
 * only it: the other platforms keep working.
 */
export async function platformSettings(
  env: Environment,
  secrets: ReadonlyMap<string, string>,
  read: SecretReader,
  modules: readonly PlatformModule[] = platformModules,
): Promise<PlatformSettingsRead> {
  const reads = await Promise.all(
    modules.map(async (module) => {
      const arn = secrets.get(module.name);
      return { module, found: arn === undefined ? undefined : await readPlatformSecret(module, arn, read) };
    }),
  );
  let source: SettingsSource = env;
  const unavailable = new Map<string, PlatformSecretError>();
  for (const { module, found } of reads) {
    if (found instanceof PlatformSecretError) unavailable.set(module.name, found);
    else if (found !== undefined) source = withPlatformSecret(source, found, module);
  }
  return { source, unavailable };
}

/**
 * The platforms, rebuilt only when their settings change (a secret filled in or rotated after the cold
 * start): what depends on the platform secrets is all that a warm execution environment refreshes. Every
 * read tells `secrets` of each secret that keeps its platform unavailable.
 */
export function livePlatforms(
  env: Environment,
  runtime: Pick<BaseConfig, 'region' | 'secretsManagerEndpoint'>,
  options: {
    readonly observe?: PlatformCallObserver | undefined;
    /** The fleet-wide budget the platforms with a rate limit draw on. */
    readonly rateBudget?: ConnectOptions['rateBudget'];
    readonly secrets?: PlatformSecretObserver | undefined;
    /** How secrets are read; Secrets Manager by default. */
    readonly read?: SecretReader | undefined;
  } = {},
): () => Promise<PlatformDirectory> {
  const arns = platformSecretArns(env);
  const { secrets: report, read: reader, ...build } = options;
  const read = reader ?? secretsManagerReader(runtime);
  let current: { readonly key: string; readonly platforms: PlatformDirectory } | undefined;
  return async () => {
    const { source, unavailable } = await platformSettings(env, arns, read);
    for (const problem of unavailable.values()) report?.(problem);
    const key = JSON.stringify([
      platformModules.flatMap((m) => Object.values(m.settings.variables).map((v) => [v, source[v]])),
      [...unavailable.values()].map((p) => [p.platform, p.message]),
    ]);
    if (current?.key !== key)
      current = { key, platforms: buildPlatforms(source, build, platformModules, unavailable) };
    return current.platforms;
  };
}
