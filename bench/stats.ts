/**
 * Small statistics of the bench, pure so they are tested without timing anything.
 *
 * @module
 */

/**
 * The `p`-th percentile (0-100) by the nearest-rank method: the smallest value with at least p % of the
 * values at or below it. `undefined` for no values.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

/** p50, p90 and p99 of a sample, with its size. */
export interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

/** {@link Percentiles} of a sample; `undefined` when empty. */
export function percentiles(values: readonly number[]): Percentiles | undefined {
  const p50 = percentile(values, 50);
  const p90 = percentile(values, 90);
  const p99 = percentile(values, 99);
  if (p50 === undefined || p90 === undefined || p99 === undefined) return undefined;
  return { count: values.length, p50, p90, p99 };
}

/** The mean, or 0 for no values. */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** `count` records concluded at instant `at` (ms, any clock). */
export interface Conclusion {
  readonly at: number;
  readonly count: number;
}

/**
 * Steady-state throughput: records concluded per second after warm-up. The first `warmupShare` of the
 * records (by conclusion time) are the warm-up; the rate is the records concluded after the instant the
 * warm-up ended, over the time from that instant to the last conclusion. `undefined` when too few.
 */
export function steadyRate(conclusions: readonly Conclusion[], warmupShare = 0.1): number | undefined {
  const sorted = [...conclusions].sort((a, b) => a.at - b.at);
  const total = sorted.reduce((sum, c) => sum + c.count, 0);
  const warmup = Math.max(1, Math.floor(total * warmupShare));
  let cumulative = 0;
  let from: Conclusion | undefined;
  // The warm-up ends at the conclusion that brings the count to `warmup` (at least the first one).
  for (const c of sorted) {
    cumulative += c.count;
    from = c;
    if (cumulative >= warmup) break;
  }
  const last = sorted.at(-1);
  if (from === undefined || last === undefined || last.at <= from.at) return undefined;
  return ((total - cumulative) / (last.at - from.at)) * 1000;
}

/** Records concluded in each `bucketMs` interval from `origin`: the throughput-over-time series. */
export function throughputSeries(
  conclusions: readonly Conclusion[],
  origin: number,
  bucketMs = 1000,
): { readonly second: number; readonly perSecond: number }[] {
  const buckets = new Map<number, number>();
  let lastBucket = 0;
  for (const c of conclusions) {
    const bucket = Math.max(0, Math.floor((c.at - origin) / bucketMs));
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + c.count);
    lastBucket = Math.max(lastBucket, bucket);
  }
  const out: { second: number; perSecond: number }[] = [];
  for (let b = 0; b <= lastBucket; b++) {
    out.push({ second: ((b + 1) * bucketMs) / 1000, perSecond: ((buckets.get(b) ?? 0) * 1000) / bucketMs });
  }
  return out;
}
