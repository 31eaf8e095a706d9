import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { BaseConfig, Environment } from '../config.ts';
import { ProvisioningError } from '../domain/errors.ts';
import { ConfigurationError } from '../errors.ts';
import { platformModules } from '../platforms/registry.ts';
import { withSecret } from '../platforms/sources.ts';
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
function unconfigured(module: PlatformModule, problem: ConfigurationError): ConnectedPlatform {
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
): PlatformDirectory {
  const { observe, ...connect } = options;
  return new Map(
    modules.map((module) => {
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
 * The platform settings: the environment, overlaid with the platform secret when one is configured (AWS).
 * Powertools caches the secret for five minutes, so calling this per invocation costs no extra reads.
 */
export async function platformSettings(env: Environment, runtime: BaseConfig): Promise<SettingsSource> {
  if (runtime.vendorSecretArn === undefined) return env;
  let values: unknown;
  try {
    values = await getSecret(runtime.vendorSecretArn, { transform: 'json', maxAge: 300 });
  } catch (error) {
    // A JSON parse error quotes the secret's text: name the failure, never pass its message on.
    const name = error instanceof Error ? error.name : 'error';
    throw new ConfigurationError(`VENDOR_SECRET_ARN could not be read as a JSON secret (${name})`, [
      'VENDOR_SECRET_ARN',
    ]);
  }
  return withSecret(env, values);
}

/**
 * The platforms, rebuilt only when their settings change (a secret filled in or rotated after the cold
 * start): what depends on the platform secret is all that a warm execution environment refreshes.
 */
export function livePlatforms(
  env: Environment,
  runtime: BaseConfig,
  options: {
    readonly observe?: PlatformCallObserver | undefined;
    /** The fleet-wide budget the platforms with a rate limit draw on. */
    readonly rateBudget?: ConnectOptions['rateBudget'];
  } = {},
): () => Promise<PlatformDirectory> {
  let current: { readonly key: string; readonly platforms: PlatformDirectory } | undefined;
  return async () => {
    const source = await platformSettings(env, runtime);
    const key = JSON.stringify(
      platformModules.flatMap((m) => Object.values(m.settings.variables).map((v) => [v, source[v]])),
    );
    if (current?.key !== key) current = { key, platforms: buildPlatforms(source, options) };
    return current.platforms;
  };
}
