/**
 * Round trips: how many times a request waits on DynamoDB in sequence. Calls that overlap in time (sent
 * together, e.g. by `Promise.all`) form one wave and count once.
 *
 * @module
 */

/** When one call was sent and when its answer came back (any clock, same for all calls). */
export interface TimedCall {
  readonly start: number;
  readonly end: number;
}

/**
 * Groups calls into sequential waves: sorted by start, a call that starts before the current wave's last
 * end joins it (and may extend it); otherwise it opens the next wave.
 */
export function waves<T extends TimedCall>(calls: readonly T[]): T[][] {
  const sorted = [...calls].sort((a, b) => a.start - b.start || a.end - b.end);
  const out: T[][] = [];
  let current: T[] = [];
  let end = Number.NEGATIVE_INFINITY;
  for (const call of sorted) {
    if (current.length > 0 && call.start >= end) {
      out.push(current);
      current = [];
      end = Number.NEGATIVE_INFINITY;
    }
    current.push(call);
    end = Math.max(end, call.end);
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** The number of sequential waves ({@link waves}): 0 for no calls. */
export function roundTrips(calls: readonly TimedCall[]): number {
  return waves(calls).length;
}
