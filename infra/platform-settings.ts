import { platformSecretVariable } from '../shared/config.ts';
import { platformModules } from '../shared/platforms/registry.ts';

/**
 * What the stack needs to know about the platforms, from the registry: one secret per platform, the
 * variable that names it, and the keys operators put in it. The stack names no platform.
 */

/** One platform's secret, as the stack creates it and the functions find it. */
export interface PlatformSecretSpec {
  /** The platform name (`shared/platforms/registry.ts`). */
  readonly platform: string;
  /** For people: the plug-in's title. */
  readonly title: string;
  /** Construct id (and so the start of the logical id): the name capitalised, then `Secret`. */
  readonly constructId: string;
  /** The stack output holding its ARN: `{constructId}Arn`. */
  readonly outputId: string;
  /** The environment variable naming it in every function that calls the platforms (`…_SECRET_ARN`). */
  readonly arnVariable: string;
  /** The JSON keys operators put in it: the platform's secret settings, by variable name. */
  readonly keys: readonly string[];
  /** All the platform's variables, any of which the secret may also hold (tuning, say). */
  readonly optionalKeys: readonly string[];
}

const capitalised = (name: string) => `${name.charAt(0).toUpperCase()}${name.slice(1)}`;

/**
 * Every registered platform's secret. Nothing here derives from the deployment: a secret's template never
 * holds a value (see `PlatformSecrets`), and what stack props decide goes into the functions' environment.
 */
export const PLATFORM_SECRETS: readonly PlatformSecretSpec[] = platformModules.map((platform) => {
  const { settings } = platform;
  const keys = settings.secret.flatMap((key) => settings.variables[key] ?? []);
  return {
    platform: platform.name,
    title: platform.title,
    constructId: `${capitalised(platform.name)}Secret`,
    outputId: `${capitalised(platform.name)}SecretArn`,
    arnVariable: platformSecretVariable(settings),
    keys,
    optionalKeys: Object.values(settings.variables).filter((v) => !keys.includes(v)),
  };
});
