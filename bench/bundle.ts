import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { BUNDLE_FILE, functionBuildOptions } from '../infra/bundling.ts';

/**
 * `node bench/bundle.ts [runs]`: how big each Lambda function's bundle is and how long its module takes to
 * initialise, against a bundle that only loads and constructs the AWS SDK clients the same function uses.
 *
 * Both are built with the deployed esbuild options (`infra/bundling.ts`), so the SDK stays external in both
 * and is resolved from this repository's `node_modules`, as the Lambda runtime resolves its own copy.
 */

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const FUNCTIONS_DIR = join(REPO_ROOT, 'functions');
const run = promisify(execFile);

/**
 * How each AWS SDK module a function imports is loaded and its client constructed in the SDK-only bundle,
 * over one `dynamodb` client, as the ledger wraps its client in the document client.
 */
const SDK_CLIENTS: Readonly<Record<string, { readonly imports: string; readonly construct: string }>> = {
  '@aws-sdk/client-dynamodb': {
    imports: "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
    construct: 'dynamodb',
  },
  '@aws-sdk/lib-dynamodb': {
    imports: "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
    construct: 'DynamoDBDocumentClient.from(dynamodb)',
  },
  '@aws-sdk/client-sqs': {
    imports: "import { SQSClient } from '@aws-sdk/client-sqs';",
    construct: 'new SQSClient(options)',
  },
  '@aws-sdk/client-kms': {
    imports: "import { KMSClient } from '@aws-sdk/client-kms';",
    construct: 'new KMSClient(options)',
  },
  '@aws-sdk/client-secrets-manager': {
    imports: "import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';",
    construct: 'new SecretsManagerClient(options)',
  },
};

/**
 * The environment of every measured process, and nothing else: what the functions' configuration asks for,
 * as dummies. No module reads it at import time today (configuration and clients are built on the first
 * invocation); it is set so that one which starts to still measures instead of failing.
 */
const INIT_ENV: Readonly<Record<string, string>> = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  LEDGER_TABLE_NAME: 'bench-ledger',
  QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/bench.fifo',
  CREDENTIALS_KMS_KEY_ID: 'alias/bench',
  CLOOPEN_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:bench-cloopen',
  BAIJIAYUN_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:bench-baijiayun',
  POWERTOOLS_SERVICE_NAME: 'provisioner',
  POWERTOOLS_METRICS_NAMESPACE: 'Provisioner',
  POWERTOOLS_LOG_LEVEL: 'INFO',
};

/**
 * Imports the module named on the command line and prints how long that took and the CPU time it used
 * (all threads), in milliseconds.
 */
const INIT_PROBE = `const cpu = process.cpuUsage();
const start = performance.now();
await import(process.argv[2]);
const wall = performance.now() - start;
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify([wall, (used.user + used.system) / 1000]));
`;

/** One function's bundle, as built. */
export interface FunctionBundle {
  /** The function's name: its file in `functions/` without `.ts`. */
  readonly name: string;
  /** Size of the bundle (`index.mjs`, without its source map). */
  readonly bytes: number;
  /** esbuild's metafile of the build: every input the bundle holds, and every import left external. */
  readonly metafile: Metafile;
  /** The AWS SDK modules it imports from the runtime, e.g. `@aws-sdk/client-sqs`. */
  readonly sdkModules: readonly string[];
  /** Where the bundle was written. */
  readonly file: string;
}

/** The function entries: every module in `functions/`, by name. */
export async function functionEntries(): Promise<ReadonlyMap<string, string>> {
  const files = (await readdir(FUNCTIONS_DIR)).filter((f) => f.endsWith('.ts')).sort();
  return new Map(files.map((f) => [basename(f, '.ts'), join(FUNCTIONS_DIR, f)]));
}

/** Bundles every function into `outdir/<name>/index.mjs` with the deployed options. */
export async function buildFunctionBundles(outdir: string): Promise<FunctionBundle[]> {
  const bundles: FunctionBundle[] = [];
  for (const [name, entry] of await functionEntries()) {
    const file = join(outdir, name, BUNDLE_FILE);
    const result = await build({ ...functionBuildOptions(entry, file), metafile: true, logLevel: 'error' });
    const output = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith(BUNDLE_FILE));
    if (output === undefined) throw new Error(`esbuild wrote no ${BUNDLE_FILE} for ${name}`);
    const sdkModules = new Set<string>();
    for (const input of Object.values(result.metafile.inputs)) {
      for (const imported of input.imports) {
        if (imported.external && imported.path.startsWith('@aws-sdk/')) sdkModules.add(imported.path);
      }
    }
    bundles.push({
      name,
      bytes: output[1].bytes,
      metafile: result.metafile,
      sdkModules: [...sdkModules].sort(),
      file,
    });
  }
  return bundles;
}

/** Bundles a module that only imports and constructs the SDK clients of `modules`, with the same options. */
async function buildSdkOnlyBundle(modules: readonly string[], dir: string): Promise<string> {
  const clients = modules.map((module) => {
    const client = SDK_CLIENTS[module];
    if (client === undefined) throw new Error(`${module}: say in SDK_CLIENTS how the bench constructs it`);
    if (module === '@aws-sdk/lib-dynamodb' && !modules.includes('@aws-sdk/client-dynamodb')) {
      throw new Error(`${module} without @aws-sdk/client-dynamodb: say how the bench builds its client`);
    }
    return client;
  });
  const entry = join(dir, 'sdk-only.mjs');
  await writeFile(
    entry,
    [
      ...clients.map((c) => c.imports),
      `const options = { region: 'us-east-1' };`,
      ...(modules.includes('@aws-sdk/client-dynamodb')
        ? ['const dynamodb = new DynamoDBClient(options);']
        : []),
      `export const clients = [${clients.map((c) => c.construct).join(', ')}];`,
    ].join('\n'),
  );
  const file = join(dir, BUNDLE_FILE);
  await build({ ...functionBuildOptions(entry, file), logLevel: 'error' });
  return file;
}

async function timeInit(probe: string, bundle: string): Promise<{ wall: number; cpu: number }> {
  const { stdout } = await run(process.execPath, [probe, pathToFileURL(bundle).href], {
    cwd: REPO_ROOT,
    env: INIT_ENV,
  });
  const [wall, cpu] = JSON.parse(stdout) as unknown[];
  if (typeof wall !== 'number' || typeof cpu !== 'number') {
    throw new Error(`${bundle}: the init probe printed ${stdout}`);
  }
  return { wall, cpu };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? Number.NaN) + upper) / 2;
}

/** One function's figures; the init times are medians over the runs, absent for a function not timed. */
export interface FunctionFigures {
  readonly name: string;
  readonly bytes: number;
  readonly sdkModules: readonly string[];
  readonly init?:
    | {
        /** Median time to import its bundle in a fresh process. */
        readonly ms: number;
        /** Median time to import the bundle of only its SDK clients, constructed, in a fresh process. */
        readonly sdkOnlyMs: number;
        /**
         * The same two as CPU time: steadier than wall time when other work shares the machine, which
         * stretches the waits of both bundles but not the work each does.
         */
        readonly cpuMs: number;
        readonly sdkOnlyCpuMs: number;
      }
    | undefined;
}

/** Options of {@link measureFunctions}. */
export interface MeasureOptions {
  /** Fresh processes per bundle timed. Default 30. */
  readonly runs?: number | undefined;
  /** Which functions to time: all of them, or only the largest bundle (the default). */
  readonly timed?: 'all' | 'largest' | undefined;
}

/**
 * Builds every function into a temporary directory and times the imports of the chosen ones and of their
 * SDK-only twins, alternating the two in fresh `node` processes (`process.execPath`) so that drift in the
 * machine's load hits both alike. One untimed import of each first warms the file cache.
 */
export async function measureFunctions(options: MeasureOptions = {}): Promise<FunctionFigures[]> {
  const runs = options.runs ?? 30;
  const dir = await mkdtemp(join(tmpdir(), 'provisioner-bundles-'));
  try {
    // The bundles import the SDK from node_modules, which Node looks for beside and above them.
    await symlink(await realpath(join(REPO_ROOT, 'node_modules')), join(dir, 'node_modules'), 'dir');
    const probe = join(dir, 'init-probe.mjs');
    await writeFile(probe, INIT_PROBE);
    const bundles = await buildFunctionBundles(dir);
    const largest = Math.max(...bundles.map((b) => b.bytes));
    const figures: FunctionFigures[] = [];
    for (const bundle of bundles) {
      const { name, bytes, sdkModules } = bundle;
      if (options.timed !== 'all' && bytes !== largest) {
        figures.push({ name, bytes, sdkModules });
        continue;
      }
      const sdkDir = join(dir, `${name}.sdk-only`);
      await mkdir(sdkDir);
      const sdkOnly = await buildSdkOnlyBundle(sdkModules, sdkDir);
      await timeInit(probe, bundle.file);
      await timeInit(probe, sdkOnly);
      const own: { wall: number; cpu: number }[] = [];
      const sdk: { wall: number; cpu: number }[] = [];
      for (let i = 0; i < runs; i++) {
        own.push(await timeInit(probe, bundle.file));
        sdk.push(await timeInit(probe, sdkOnly));
      }
      const init = {
        ms: median(own.map((t) => t.wall)),
        sdkOnlyMs: median(sdk.map((t) => t.wall)),
        cpuMs: median(own.map((t) => t.cpu)),
        sdkOnlyCpuMs: median(sdk.map((t) => t.cpu)),
      };
      figures.push({ name, bytes, sdkModules, init });
    }
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The bundle figures `bench/run.ts` reports. */
export interface BundleMeasurement {
  /** Each function's bundle size in bytes (`index.mjs`, without its source map), by name. */
  readonly functions: Record<string, number>;
  /** The largest of them, in KB (1 KB = 1024 bytes). */
  readonly max_kb: number;
  /**
   * Cold module init of the function with the largest bundle (today the queue consumer,
   * `process-provisioning-requests`): the median time, in milliseconds, that a fresh `node` process takes to
   * `import()` its bundle, measured inside that process (Node's own start-up is left out). That is what
   * Lambda's init phase runs for these functions, whose configuration and clients are built on the first
   * invocation. Measured without the deployed `NODE_OPTIONS=--enable-source-maps`, which adds the reading of
   * the bundle's source map to the real init.
   */
  readonly init_ms: number;
  /**
   * The same for a bundle, built with the same options, that only imports the AWS SDK modules that function
   * imports and constructs their clients (the SDK resolved from `node_modules` in both).
   */
  readonly sdk_only_init_ms: number;
  /** `init_ms / sdk_only_init_ms`: what the function's own code adds on top of the SDK it needs. */
  readonly init_ratio: number;
}

/** Summarises {@link measureFunctions} as `bench/run.ts` reports it (see {@link BundleMeasurement}). */
export function summarise(figures: readonly FunctionFigures[]): BundleMeasurement {
  const largest = figures.reduce<FunctionFigures | undefined>(
    (max, f) => (max === undefined || f.bytes > max.bytes ? f : max),
    undefined,
  );
  if (largest?.init === undefined) throw new Error('the largest function was not timed');
  return {
    functions: Object.fromEntries(figures.map((f) => [f.name, f.bytes])),
    max_kb: round(largest.bytes / 1024),
    init_ms: round(largest.init.ms),
    sdk_only_init_ms: round(largest.init.sdkOnlyMs),
    init_ratio: round(largest.init.ms / largest.init.sdkOnlyMs, 3),
  };
}

function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * Bundles every function with the deployed options and measures them: every bundle's size, and the cold
 * module init of the largest against a bundle of only the SDK clients it uses (medians of `runs` fresh
 * processes each, default 30). See {@link BundleMeasurement} for what each figure means.
 */
export async function measureBundles(options: { runs?: number } = {}): Promise<BundleMeasurement> {
  return summarise(await measureFunctions({ runs: options.runs, timed: 'largest' }));
}

if (process.argv[1] !== undefined && (await realpath(process.argv[1])) === fileURLToPath(import.meta.url)) {
  const runs = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
  const figures = await measureFunctions({ runs, timed: 'all' });
  console.table(
    figures.map((f) => ({
      function: f.name,
      KB: round(f.bytes / 1024),
      'init ms': f.init === undefined ? '' : round(f.init.ms),
      'SDK-only init ms': f.init === undefined ? '' : round(f.init.sdkOnlyMs),
      ratio: f.init === undefined ? '' : round(f.init.ms / f.init.sdkOnlyMs, 3),
      'CPU ms': f.init === undefined ? '' : round(f.init.cpuMs),
      'SDK-only CPU ms': f.init === undefined ? '' : round(f.init.sdkOnlyCpuMs),
      'CPU ratio': f.init === undefined ? '' : round(f.init.cpuMs / f.init.sdkOnlyCpuMs, 3),
      'SDK modules': f.sdkModules.map((m) => m.replace('@aws-sdk/', '')).join(' '),
    })),
  );
  console.log(JSON.stringify(summarise(figures), null, 2));
}
