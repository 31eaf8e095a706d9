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

/** The deployment facts {@link platformSecretPlaceholder} depends on. */
export interface PlatformSecretPlaceholderOptions {
  /** Concurrent handler invocations the queue may drive, each with its own rate limiters. */
  readonly maxConcurrency: number;
}

/**
 * The platform secret's initial value: every key of {@link PLATFORM_SECRET_KEYS}, empty (unset) except what a
 * platform derives from the deployment rather than from its account (say a rate budget split over the
 * concurrent environments).
 *
 * The stack writes this value once, at creation; operators' values survive later deploys only as long as it
 * stays the same, so a change here must be deliberate.
 */
export function platformSecretPlaceholder(options: PlatformSecretPlaceholderOptions): Record<string, string> {
  const placeholder: Record<string, string> = Object.fromEntries(
    PLATFORM_SECRET_KEYS.map((key) => [key, '']),
  );
  for (const platform of platformModules) Object.assign(placeholder, platform.secretDefaults?.(options));
  return placeholder;
}
