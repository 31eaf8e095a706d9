import type { KindCost, LedgerKind } from './ledger-costs.ts';
import type { CallLatency } from './platform-calls.ts';
import type { RequestCost } from './request-cost.ts';
import type { SweepCost } from './sweep.ts';

/**
 * The bench's results document (its JSON keys are read by other tools: keep their names), the targets
 * it is judged by, and its Markdown and console renderings. Pure.
 *
 * @module
 */

/** Throughput of both pipelines at one platform latency. */
export interface PipelineFigures {
  readonly n: number;
  readonly creates_per_s: number;
  readonly minimal_creates_per_s: number;
  /** `creates_per_s / minimal_creates_per_s`. */
  readonly ratio: number;
}

/** What `measureBundles` (bench/bundle.ts) reports. */
export interface BundleFigures {
  readonly functions: Record<string, number>;
  readonly max_kb: number;
  readonly init_ms: number;
  readonly sdk_only_init_ms: number;
  readonly init_ratio: number;
}

/** What `measureRateLimit` (bench/rate-limit.ts) reports (at least these). */
export interface RateLimitFigures {
  readonly limit_per_10s: number;
  readonly processes: number;
  readonly achieved_per_10s: number;
  readonly share: number;
  readonly refused_share: number;
}

/** The whole results document. */
export interface BenchResults {
  readonly date: string;
  readonly generated_at: string;
  readonly mode: 'quick' | 'full';
  readonly duration_s: number;
  readonly machine: Readonly<Record<string, unknown>> & { readonly cores: number; readonly node: string };
  readonly pipeline: PipelineFigures & {
    readonly latency_ms: 0;
    readonly latency_100ms: PipelineFigures;
    readonly concurrency: number;
    readonly batch_size: number;
    /** Runs of each variant at each latency (in ABBA order); the rates are their means. */
    readonly repeats: number;
    readonly runs: readonly Readonly<Record<string, unknown>>[];
  };
  readonly platform_latency: readonly CallLatency[];
  readonly ledger: Record<LedgerKind, KindCost> & {
    readonly create_by_platform: Record<string, RequestCost>;
  };
  readonly bundle: BundleFigures | null;
  readonly sweep: SweepCost;
  readonly rate_limit: RateLimitFigures | null;
  readonly notes: Readonly<Record<string, string>>;
  readonly targets: readonly TargetResult[];
}

/** A target: the figure's path, its bound, and which way is good. */
export interface Target {
  readonly figure: string;
  readonly op: '>=' | '<=';
  readonly bound: number;
}

/** The targets of issue 8. */
export const TARGETS: readonly Target[] = [
  { figure: 'pipeline.ratio', op: '>=', bound: 0.9 },
  { figure: 'ledger.create.round_trips', op: '<=', bound: 2 },
  { figure: 'ledger.create.write_units', op: '<=', bound: 4 },
  { figure: 'ledger.suspend.write_units', op: '<=', bound: 2 },
  { figure: 'ledger.resume.write_units', op: '<=', bound: 2 },
  { figure: 'bundle.max_kb', op: '<=', bound: 300 },
  { figure: 'bundle.init_ratio', op: '<=', bound: 1.2 },
  { figure: 'sweep.read_ratio', op: '<=', bound: 1.05 },
  { figure: 'rate_limit.share', op: '>=', bound: 0.95 },
  { figure: 'rate_limit.refused_share', op: '<=', bound: 0.01 },
];

/** A target with the figure measured: `pass` is `null` when there is no figure. */
export interface TargetResult extends Target {
  readonly value: number | null;
  readonly pass: boolean | null;
}

/** The number at a dotted path of a document, or `null`. */
export function figureAt(document: unknown, path: string): number | null {
  let value: unknown = document;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return null;
    value = (value as Record<string, unknown>)[part];
  }
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Judges each target against the document. */
export function evaluateTargets(document: unknown, targets: readonly Target[] = TARGETS): TargetResult[] {
  return targets.map((target) => {
    const value = figureAt(document, target.figure);
    const pass = value === null ? null : target.op === '>=' ? value >= target.bound : value <= target.bound;
    return { ...target, value, pass };
  });
}

/** A number for people: up to 3 significant decimals. */
export function show(value: number | null | undefined): string {
  if (value === null || value === undefined) return 'n/a';
  if (Number.isInteger(value)) return String(value);
  const digits = Math.abs(value) >= 100 ? 1 : Math.abs(value) >= 1 ? 2 : 3;
  return String(Number(value.toFixed(digits)));
}

/** A Markdown table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The targets as a table. */
export function targetsTable(results: readonly TargetResult[]): string {
  return table(
    ['figure', 'value', 'target', 'result'],
    results.map((t) => [
      t.figure,
      show(t.value),
      `${t.op} ${t.bound}`,
      t.pass === null ? 'n/a' : t.pass ? 'pass' : 'MISS',
    ]),
  );
}

/** The ledger costs as a table. */
export function ledgerTable(ledger: BenchResults['ledger']): string {
  const kinds: LedgerKind[] = ['create', 'suspend', 'resume', 'close', 'update', 'duplicate'];
  return table(
    [
      'request',
      'platform',
      'round trips',
      'write units',
      'table + index',
      'read units',
      'calls',
      'failed writes',
    ],
    kinds.map((kind) => {
      const c = ledger[kind];
      return [
        kind,
        c.platform,
        show(c.round_trips),
        show(c.write_units),
        `${show(c.table_write_units)} + ${show(c.index_write_units)}`,
        show(c.read_units),
        show(c.calls),
        show(c.failed_writes),
      ];
    }),
  );
}

/** The pipeline figures as a table. */
export function pipelineTable(pipeline: BenchResults['pipeline']): string {
  const row = (label: string, f: PipelineFigures) => [
    label,
    show(f.n),
    show(f.creates_per_s),
    show(f.minimal_creates_per_s),
    show(f.ratio),
  ];
  return table(
    ['platform latency', 'creates', 'pipeline creates/s', 'minimal creates/s', 'ratio'],
    [row('0 ms', pipeline), row('100 ms', pipeline.latency_100ms)],
  );
}

/** Platform-call latency percentiles as a table. */
export function latencyTable(latency: readonly CallLatency[]): string {
  return table(
    ['run', 'call', 'count', 'p50 ms', 'p90 ms', 'p99 ms'],
    latency.map((l) => [l.phase, l.kind, String(l.count), show(l.p50), show(l.p90), show(l.p99)]),
  );
}
