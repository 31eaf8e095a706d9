import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunctionBundles, type FunctionBundle } from '../../bench/bundle.ts';

/** The ceiling of a function's own bundle (`index.mjs`, without its source map). */
const MAX_BUNDLE_BYTES = 300 * 1024;

/**
 * What must never be inside a function's bundle, by input path in esbuild's metafile: the AWS SDK (the Lambda
 * runtime provides it), zod's classic API, its JSON Schema generator and every locale but English (see
 * `shared/zod.ts`), and tools. Dependencies count when code of theirs is in the output: esbuild reads all of
 * zod's locales while it tree-shakes them away.
 */
const FORBIDDEN_CODE: readonly [string, RegExp][] = [
  ['the AWS SDK', /node_modules\/(@aws-sdk|@smithy)\//],
  ['zod classic', /node_modules\/zod\/(v4\/classic|v3)\//],
  ['the JSON Schema generator', /node_modules\/zod\/v4\/core\/(to-json-schema|json-schema[^/]*)\.js$/],
  ['a zod locale other than English', /node_modules\/zod\/v4\/locales\/(?!en\.js$)/],
  ['the CLI or other tools', /node_modules\/(commander|esbuild|aws-cdk-lib|constructs|vitest)\//],
  ['local-only code', /node_modules\/(dynalite|fauxqs)\//],
];

/** Repository code only tools, the local stack, simulators or tests run: not even imported by a function. */
const FOREIGN_MODULE = /^(?!.*node_modules\/)(.*\/)?(scripts|cli|bin|simulators|local|bench|test|infra)\//;

/** The inputs of which code is in a bundle's output. */
function bundledInputs(bundle: FunctionBundle): string[] {
  return Object.values(bundle.metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path),
  );
}

describe('the functions’ bundles, built with the deployed options', () => {
  let dir: string;
  let bundles: FunctionBundle[];

  beforeAll(async () => {
    // Prepare: one build of every function; each assertion reads its metafile.
    dir = await mkdtemp(join(tmpdir(), 'provisioner-bundle-test-'));
    bundles = await buildFunctionBundles(dir);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('covers every function in functions/', () => {
    // Assess
    expect(bundles.map((b) => b.name)).toEqual([
      'probe-quarantined-platforms',
      'process-provisioning-requests',
      'reconcile-accounts',
      'sweep-expired-accounts',
    ]);
  });

  it(`keeps each function at ${MAX_BUNDLE_BYTES / 1024} KB or less`, () => {
    // Assess
    const over = bundles.filter((b) => b.bytes > MAX_BUNDLE_BYTES).map((b) => `${b.name}: ${b.bytes} bytes`);
    expect(over).toEqual([]);
  });

  it('holds only code that runs in Lambda', () => {
    // Act
    const found = bundles.flatMap((b) =>
      bundledInputs(b).flatMap((input) =>
        FORBIDDEN_CODE.filter(([, pattern]) => pattern.test(input)).map(
          ([what]) => `${b.name} bundles ${what}: ${input}`,
        ),
      ),
    );

    // Assess
    expect(found).toEqual([]);
  });

  it('imports no module of the tools, the local stack, the simulators or the tests', () => {
    // Act
    const found = bundles.flatMap((b) =>
      Object.keys(b.metafile.inputs)
        .filter((input) => FOREIGN_MODULE.test(input))
        .map((input) => `${b.name} imports ${input}`),
    );

    // Assess
    expect(found).toEqual([]);
  });

  it('imports the AWS SDK from the runtime', () => {
    // Assess: the queue consumer reaches every client the pipeline uses, so the check is not vacuous.
    const consumer = bundles.find((b) => b.name === 'process-provisioning-requests');
    expect(consumer?.sdkModules).toEqual([
      '@aws-sdk/client-dynamodb',
      '@aws-sdk/client-eventbridge',
      '@aws-sdk/client-kms',
      '@aws-sdk/client-secrets-manager',
      '@aws-sdk/client-sqs',
      '@aws-sdk/lib-dynamodb',
    ]);
  });
});
