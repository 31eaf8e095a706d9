import { platformModules } from '../shared/platforms/registry.ts';

export { settingsPatterns } from '../shared/platforms/sources.ts';

/**
 * What the stack needs to know about the platforms, from the registry: the keys of the platform secret
 * and its initial value. The stack names no platform.
 */

/**
 * Settings operators fill in after the first deploy (see `ProvisionerStack`): each registered platform's
 * secret settings, by variable name. An empty value counts as unset, so a platform left empty is reported
 * as not configured and its requests wait (retryably) instead of being dropped.
 */
export const PLATFORM_SECRET_KEYS: readonly string[] = platformModules.flatMap((platform) =>
  platform.settings.secret.flatMap((key) => platform.settings.variables[key] ?? []),
);

/**
 * The platform secret's initial value: every key of {@link PLATFORM_SECRET_KEYS}, empty (unset). Nothing in it
 * derives from the deployment: a value computed from stack props would be frozen at creation (the stack
 * writes this value once) and silently replaced by the code's default wherever an operator's secret omits
 * it. Settings with safe defaults (say the fleet-wide rate of a platform) stay out of it.
 *
 * The stack writes this value once, at creation; operators' values survive later deploys only as long as it
 * stays the same, so a change here must be deliberate.
 */
export function platformSecretPlaceholder(): Record<string, string> {
  return Object.fromEntries(PLATFORM_SECRET_KEYS.map((key) => [key, '']));
}
