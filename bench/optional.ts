import { existsSync } from 'node:fs';

/**
 * Bench parts other engineers write (`bench/bundle.ts`, `bench/rate-limit.ts`): imported only when their
 * file is there, so the bench runs, and says what it could not measure, in a worktree without them.
 *
 * @module
 */

/** The named export of an optional module, or why there is none. */
export type Optional<T> =
  | { readonly found: true; readonly value: T }
  | { readonly found: false; readonly note: string };

/** Imports `exportName` from `file` if the file exists and exports a function of that name. */
export async function importOptional<T>(file: URL, exportName: string): Promise<Optional<T>> {
  if (!existsSync(file))
    return { found: false, note: `${file.pathname.split('/').at(-1)} is not in this worktree` };
  const module = (await import(file.href)) as Record<string, unknown>;
  const value = module[exportName];
  if (typeof value !== 'function') {
    return { found: false, note: `${file.pathname.split('/').at(-1)} exports no function ${exportName}` };
  }
  return { found: true, value: value as T };
}
