import { describe, expect, it } from 'vitest';
import { chartSpec, renderSvg } from '../../bench/chart.ts';
import { latencyPercentiles } from '../../bench/platform-calls.ts';

describe('bench chart', () => {
  it('groups platform calls by run and kind into percentiles', () => {
    const calls = [5, 1, 3].map((ms, i) => ({
      phase: 'run',
      kind: 'cloopen SubAccounts',
      start: i,
      ms,
      status: 200,
    }));
    expect(latencyPercentiles(calls)).toEqual([
      { phase: 'run', kind: 'cloopen SubAccounts', count: 3, p50: 3, p90: 5, p99: 5 },
    ]);
  });

  it('renders throughput and latency percentiles to SVG with Vega, headless', async () => {
    const spec = chartSpec(
      [
        { run: 'pipeline', second: 1, perSecond: 10 },
        { run: 'pipeline', second: 2, perSecond: 12 },
      ],
      [{ call: 'cloopen SubAccounts · pipeline', percentile: 'p50', ms: 3 }],
      'test',
    );
    const svg = await renderSvg(spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Creates concluded per second');
    expect(svg).toContain('cloopen SubAccounts');
  });
});
