import type { BuildOptions } from 'esbuild';

/**
 * How every function in `functions/` is bundled: the one definition that the CDK construct
 * (`ProvisioningFunction`) hands to `NodejsFunction` and that the bundle bench and the bundle test hand to
 * esbuild, so what is measured and tested is what is deployed.
 *
 * Plain data rather than CDK's `BundlingOptions`: the bench and the test load it without loading the CDK.
 */
export const FUNCTION_BUNDLING = {
  /** The esbuild target CDK derives from `nodejs24.x`; stated, so the bench needs no CDK to know it. */
  target: 'node24',
  format: 'esm',
  /** Prefer dependencies' ESM builds: esbuild can tree-shake them, not their CommonJS ones. */
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  /**
   * Left to the Lambda runtime, which ships AWS SDK v3 (what CDK does by default on Node 18+, stated here so
   * no feature flag or default changes it): it was a third of the bundle. Two prices: the runtime's SDK
   * version runs, not the one the tests ran against; and its CommonJS files load slower than a bundled copy
   * (measured locally, a bundled SDK saved about a sixth of the queue consumer's module init).
   */
  externalModules: ['@aws-sdk/*'],
  /**
   * ESM has no `require`; a bundled CommonJS dependency that requires a Node built-in would fail without it.
   * With the SDK left out, no bundled dependency calls `require` today; the line stays so that one which
   * comes in works, and costs nothing at init.
   */
  banner:
    "import { createRequire as __provisionerCreateRequire } from 'node:module'; const require = __provisionerCreateRequire(import.meta.url);",
} as const;

/** The file name CDK gives an ESM bundle. */
export const BUNDLE_FILE = 'index.mjs';

/**
 * The esbuild options equivalent to the command line `NodejsFunction` runs for {@link FUNCTION_BUNDLING}
 * (`esbuild --bundle <entry> --target=… --platform=node --format=esm --minify --sourcemap …`).
 */
export function functionBuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: FUNCTION_BUNDLING.target,
    format: FUNCTION_BUNDLING.format,
    mainFields: [...FUNCTION_BUNDLING.mainFields],
    minify: FUNCTION_BUNDLING.minify,
    sourcemap: FUNCTION_BUNDLING.sourceMap,
    sourcesContent: FUNCTION_BUNDLING.sourcesContent,
    external: [...FUNCTION_BUNDLING.externalModules],
    banner: { js: FUNCTION_BUNDLING.banner },
  };
}
