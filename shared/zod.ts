import { config, globalRegistry, type ZodMiniType } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * The zod every schema of the project is built with: `zod/mini`, with English messages.
 *
 * Why mini: the classic API hangs every method (and the JSON Schema generator) on every schema, so a
 * Lambda bundle pays about 100 KB for it; mini's functions are tree-shaken to the ones used (about 35 KB).
 * Both share zod's core, so parsing and messages are the same. Import it as a namespace,
 * `import * as z from '…/zod.ts'`: a namespace that is only read by property stays tree-shakable, while
 * `import { z } from 'zod'` hands the bundler a namespace object it must keep whole, locales included.
 *
 * Classic registers the English locale on its first schema; mini leaves messages to the caller, so it is set
 * here, where every schema module gets zod from.
 */
config(en());

export * from 'zod/mini';

/**
 * A copy of `schema` carrying `description` (into the JSON Schema), as classic zod's `.describe()` does:
 * a clone, so one shared field type may be described differently where it is used.
 */
export function described<T extends ZodMiniType>(schema: T, description: string): T {
  const copy = schema.clone() as T;
  globalRegistry.add(copy, { description });
  return copy;
}
