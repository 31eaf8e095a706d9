import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { chartSpec, type LatencyPoint, renderSvg, type ThroughputPoint } from './chart.ts';
import { measureLedgerCosts } from './ledger-costs.ts';
import { importOptional } from './optional.ts';
import { type PipelineRun, runPipeline } from './pipeline.ts';
import { latencyPercentiles, recordPlatformCalls } from './platform-calls.ts';
import {
  type BenchResults,
  type BundleFigures,
  evaluateTargets,
  type PipelineFigures,
  type RateLimitFigures,
  targetsTable,
} from './report.ts';
import { renderMarkdown } from './report-markdown.ts';
import { mean } from './stats.ts';
import { measureSweep } from './sweep.ts';

/**
 * `npm run bench [-- --quick] [-- --json]`: what the provisioner costs, measured in one run against the
 * local emulators and simulators, and reported as ratios against baselines measured in the same run.
 * Writes `bench/results/<date>.json`, `.md` and `.svg` (`<date>-quick.*` with `--quick`), prints the targets table, and with `--json` prints
 * the results document as the last line of stdout. Progress goes to stderr. How each figure is measured:
 * `bench/report-markdown.ts` (also in the `.md` output).
 */

const USAGE = `Usage: npm run bench -- [--quick] [--json]
  --quick   smaller runs: about 1.5 minutes on a 2-core machine (the full run takes about 3)
  --json    print the results document as the last line of stdout`;

let args: { quick?: boolean | undefined; json?: boolean | undefined; help?: boolean | undefined };
try {
  args = parseArgs({
    options: { quick: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
    strict: true,
  }).values;
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const quick = args.quick === true;
/** Sizes: the quick run keeps every measurement, with fewer requests. */
const SIZES = quick
  ? { creates: 400, slowCreates: 200, warmup: 100, ledgerReps: 3, bundleRuns: 3, rateSeconds: 20 }
  : { creates: 2000, slowCreates: 800, warmup: 200, ledgerReps: 10, bundleRuns: 10, rateSeconds: 30 };
const CONCURRENCY = 4;
const BATCH_SIZE = 10;
const SLOW_MS = 100;

const started = performance.now();
const progress = (text: string) =>
  console.error(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${text}`);
const notes: Record<string, string> = {};

// Platform calls are told apart by their URL path: Cloopen's REST paths, Baijiayun's open API.
const platformCalls = recordPlatformCalls((url) =>
  url.pathname.includes('/Accounts/')
    ? 'cloopen'
    : url.pathname.includes('/openapi/')
      ? 'baijiayun'
      : url.host,
);

// Pipelines. A warm-up run of each variant first (JIT, module loading), not reported. Then, at each
// latency, the runs go minimal, pipeline, pipeline, minimal (ABBA), each variant's rate being the mean of
// its two runs: a machine whose load drifts during the run (other work on its 2 cores) biases neither.
const runs: (PipelineRun & { readonly repeat: number })[] = [];
async function pipelineRun(variant: 'pipeline' | 'minimal', n: number, latencyMs: number, repeat: number) {
  const label = `${variant} ${latencyMs} ms`;
  platformCalls.setPhase(repeat === 0 ? 'warm-up' : label);
  progress(`${repeat === 0 ? 'warm-up: ' : ''}${label}${repeat > 0 ? ` #${repeat}` : ''}, ${n} creates`);
  const run = await runPipeline(variant, {
    n,
    latencyMs,
    concurrency: CONCURRENCY,
    batchSize: BATCH_SIZE,
    tag: `${variant}${latencyMs}r${repeat}`,
  });
  if (run.concluded < n)
    notes[`pipeline ${label}`] = `only ${run.concluded} of ${n} creates concluded in time`;
  if (repeat > 0) runs.push({ ...run, repeat });
  return run;
}
await pipelineRun('minimal', SIZES.warmup, 0, 0);
await pipelineRun('pipeline', SIZES.warmup, 0, 0);
const figures = async (n: number, latencyMs: number): Promise<PipelineFigures> => {
  const order = ['minimal', 'pipeline', 'pipeline', 'minimal'] as const;
  const rates: Record<'minimal' | 'pipeline', number[]> = { minimal: [], pipeline: [] };
  for (const [i, variant] of order.entries()) {
    const run = await pipelineRun(variant, n, latencyMs, i < 2 ? 1 : 2);
    rates[variant].push(run.creates_per_s);
  }
  const real = mean(rates.pipeline);
  const minimal = mean(rates.minimal);
  return {
    n,
    creates_per_s: round(real),
    minimal_creates_per_s: round(minimal),
    ratio: round(minimal > 0 ? real / minimal : 0, 3),
  };
};
const fast = await figures(SIZES.creates, 0);
const slow = await figures(SIZES.slowCreates, SLOW_MS);

progress(`ledger costs, ${SIZES.ledgerReps} of each request kind`);
platformCalls.setPhase('ledger');
const ledger = await measureLedgerCosts({ reps: SIZES.ledgerReps });
platformCalls.setPhase('other');
platformCalls.restore();

progress('expiry sweep: seeding 100,000 accounts');
const sweep = await measureSweep({ accounts: 100_000, due: 1_000 });

progress('bundle');
type MeasureBundles = (options?: { runs?: number }) => Promise<BundleFigures>;
const bundleModule = await importOptional<MeasureBundles>(
  new URL('./bundle.ts', import.meta.url),
  'measureBundles',
);
let bundle: BundleFigures | null = null;
if (bundleModule.found) bundle = await bundleModule.value({ runs: SIZES.bundleRuns });
else notes.bundle = `not measured: ${bundleModule.note}`;

progress('rate limit');
type MeasureRateLimit = (options?: { seconds?: number; processes?: number }) => Promise<RateLimitFigures>;
const rateModule = await importOptional<MeasureRateLimit>(
  new URL('./rate-limit.ts', import.meta.url),
  'measureRateLimit',
);
let rateLimit: RateLimitFigures | null = null;
if (rateModule.found) rateLimit = await rateModule.value({ seconds: SIZES.rateSeconds });
else notes.rate_limit = `not measured: ${rateModule.note}`;

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function commit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

const now = new Date();
const date = now.toISOString().slice(0, 10);
const platformLatency = latencyPercentiles(platformCalls.calls.filter((c) => c.phase !== 'warm-up'));
const { kinds, create_by_platform } = ledger;
const document: Omit<BenchResults, 'targets'> = {
  date,
  generated_at: now.toISOString(),
  mode: quick ? 'quick' : 'full',
  duration_s: round((performance.now() - started) / 1000),
  machine: {
    cores: cpus().length,
    node: process.version,
    cpu: cpus()[0]?.model?.trim(),
    memory_gb: round(totalmem() / 2 ** 30),
    platform: process.platform,
    arch: process.arch,
    commit: commit(),
  },
  pipeline: {
    ...fast,
    latency_ms: 0,
    latency_100ms: slow,
    concurrency: CONCURRENCY,
    batch_size: BATCH_SIZE,
    repeats: 2,
    runs: runs.map(({ series: _series, ...run }) => ({
      ...run,
      creates_per_s: round(run.creates_per_s),
      wall_s: round(run.wall_s, 2),
      wall_creates_per_s: round(run.wall_creates_per_s),
    })),
  },
  platform_latency: platformLatency,
  ledger: { ...kinds, create_by_platform },
  bundle,
  sweep: { ...sweep, read_ratio: round(sweep.read_ratio, 3) },
  rate_limit: rateLimit,
  notes,
};
const results: BenchResults = { ...document, targets: evaluateTargets(document) };

const throughput: ThroughputPoint[] = runs.flatMap((run) =>
  run.series.map((p) => ({
    run: `${run.variant} #${run.repeat}, ${run.latency_ms} ms platform latency`,
    ...p,
  })),
);
const latency: LatencyPoint[] = platformLatency.flatMap((l) =>
  (['p50', 'p90', 'p99'] as const).map((percentile) => ({
    call: `${l.kind} · ${l.phase}`,
    percentile,
    ms: l[percentile],
  })),
);
const directory = new URL('./results/', import.meta.url);
await mkdir(directory, { recursive: true });
// A quick run never overwrites the day's full results.
const stem = quick ? `${date}-quick` : date;
const svg = await renderSvg(chartSpec(throughput, latency, `provisioner bench ${date} (${results.mode})`));
await writeFile(new URL(`${stem}.svg`, directory), svg);
await writeFile(new URL(`${stem}.json`, directory), `${JSON.stringify(results, null, 2)}\n`);
await writeFile(new URL(`${stem}.md`, directory), renderMarkdown(results, `${stem}.svg`));
progress(`wrote bench/results/${stem}.{json,md,svg}`);

console.log(`\nBench ${date} (${results.mode}, ${results.duration_s} s)\n`);
console.log(targetsTable(results.targets));
console.log(
  `\npipeline: ${fast.creates_per_s} vs minimal ${fast.minimal_creates_per_s} creates/s (ratio ${fast.ratio}); ` +
    `at ${SLOW_MS} ms platform latency ${slow.creates_per_s} vs ${slow.minimal_creates_per_s} (ratio ${slow.ratio})`,
);
for (const [key, note] of Object.entries(notes)) console.log(`note: ${key}: ${note}`);
if (args.json) console.log(JSON.stringify(results));
