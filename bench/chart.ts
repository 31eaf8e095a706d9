import * as vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { compile } from 'vega-lite';

/**
 * The bench's chart: throughput over time of every pipeline run, and platform-call latency percentiles
 * (p50/p90/p99) per call kind and run, so a regression shows at a glance. A Vega-Lite spec, compiled to
 * Vega and rendered to SVG headless (`view.toSVG()`, no canvas or browser).
 *
 * @module
 */

/** One point of a throughput curve. */
export interface ThroughputPoint {
  /** e.g. `pipeline, 100 ms platform latency`. */
  readonly run: string;
  readonly second: number;
  readonly perSecond: number;
}

/** One latency percentile of one call kind in one run. */
export interface LatencyPoint {
  /** e.g. `cloopen SubAccounts · pipeline 100 ms`. */
  readonly call: string;
  readonly percentile: 'p50' | 'p90' | 'p99';
  readonly ms: number;
}

/** The Vega-Lite spec of the chart (pure: data in, spec out). */
export function chartSpec(
  throughput: readonly ThroughputPoint[],
  latency: readonly LatencyPoint[],
  title: string,
): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    background: 'white',
    // Each view's colours mean something else (runs, percentiles): keep their scales and legends apart.
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    vconcat: [
      {
        title: 'Creates concluded per second',
        width: 640,
        height: 220,
        data: { values: throughput.map((p) => ({ ...p })) },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'second', type: 'quantitative', title: 'seconds since the consumer started' },
          y: { field: 'perSecond', type: 'quantitative', title: 'creates / s' },
          color: { field: 'run', type: 'nominal', title: 'run' },
        },
      },
      {
        title: 'Platform-call latency (ms), as the client sees it',
        width: 640,
        data: { values: latency.map((p) => ({ ...p })) },
        mark: 'bar',
        encoding: {
          y: { field: 'call', type: 'nominal', title: null, sort: null },
          yOffset: { field: 'percentile', sort: ['p50', 'p90', 'p99'] },
          x: { field: 'ms', type: 'quantitative', title: 'ms' },
          color: { field: 'percentile', type: 'nominal', sort: ['p50', 'p90', 'p99'] },
          tooltip: [{ field: 'call' }, { field: 'percentile' }, { field: 'ms', format: '.1f' }],
        },
      },
    ],
  };
}

/** Renders a Vega-Lite spec to SVG text, headless. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
