import type { PlatformModule } from '../ports/platform-module.ts';
import { baijiayunPlatform } from './baijiayun/module.ts';
import { cloopenPlatform } from './cloopen/module.ts';

/**
 * Every platform the system provisions on: one line each. A new platform is a folder beside these that
 * exports a `PlatformModule`, its simulator (listed in `simulators/registry.ts`), and a line here.
 */
export const platformModules: readonly PlatformModule[] = [cloopenPlatform, baijiayunPlatform];

/** The names requests may carry in `platform`. */
export const platformNames: readonly string[] = platformModules.map((p) => p.name);

/** The module of a platform name, or `undefined` when none is registered under it. */
export function platformModule(name: string): PlatformModule | undefined {
  return platformModules.find((p) => p.name === name);
}
