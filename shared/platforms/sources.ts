import {
  type Environment,
  loadPlatformSecretArns,
  platformOverrides,
  platformSettingsWithFallback,
} from '../config.ts';
import { platformModules } from './registry.ts';

/**
 * The settings merges of `shared/config.ts`, applied to the registered platforms: where the platforms'
 * settings come from in `npm start`, in the CLI, and in AWS.
 */

/** The registered platforms' settings an operator set, for `npm start` (see `platformOverrides`). */
export const localPlatformOverrides = (env: Environment) => platformOverrides(env, platformModules);

/** The registered platforms' settings for the CLI checks (see `platformSettingsWithFallback`). */
export const checkSettings = (env: Environment, simulators: Readonly<Record<string, string>>) =>
  platformSettingsWithFallback(env, simulators, platformModules);

/** The registered platforms' secret ARNs, by platform name (see `loadPlatformSecretArns`). */
export const platformSecretArns = (env: Environment) => loadPlatformSecretArns(env, platformModules);

/** The registered platforms' variables, for people: `CLOOPEN_* / BAIJIAYUN_*`. */
export const settingsPatterns = () => platformModules.map((p) => `${p.settings.prefix}*`).join(' / ');
