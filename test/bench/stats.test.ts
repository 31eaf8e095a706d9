import { describe, expect, it } from 'vitest';
import { mean, percentile, percentiles, steadyRate, throughputSeries } from '../../bench/stats.ts';

describe('bench statistics', () => {
  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 90)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
    expect(percentiles([1, 2, 3, 4])).toEqual({ count: 4, p50: 2, p90: 4, p99: 4 });
    expect(mean([1, 2, 3])).toBe(2);
  });

  it('measures the steady rate after the warm-up share of the records', () => {
    // A slow start (10 records in the first second), then 10 records every 100 ms.
    const conclusions = [
      { at: 1000, count: 10 },
      ...Array.from({ length: 9 }, (_, i) => ({ at: 1100 + i * 100, count: 10 })),
    ];
    expect(steadyRate(conclusions, 0.1)).toBeCloseTo(100);
    expect(steadyRate([{ at: 5, count: 3 }])).toBeUndefined();
  });

  it('buckets conclusions into a throughput series', () => {
    const series = throughputSeries(
      [
        { at: 100, count: 2 },
        { at: 900, count: 3 },
        { at: 2500, count: 4 },
      ],
      0,
    );
    expect(series).toEqual([
      { second: 1, perSecond: 5 },
      { second: 2, perSecond: 0 },
      { second: 3, perSecond: 4 },
    ]);
  });
});
