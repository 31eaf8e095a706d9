import { performance } from 'node:perf_hooks';
import { percentiles } from './stats.ts';

/**
 * Times every platform call this process makes, by wrapping the global `fetch` (the platform clients'
 * transport; the AWS SDK uses Node's http module, so DynamoDB and SQS calls are not counted). Each call is
 * labelled with the phase the bench is in and `{platform} {operation}`, the operation being the URL's last
 * path segment (the vendor's function name: `SubAccounts`, `addSubAccount`, …), as the runtime's own
 * `observedFetch` names them.
 *
 * @module
 */

/** One platform call. */
export interface PlatformCall {
  readonly phase: string;
  /** `{platform} {operation}`, e.g. `cloopen SubAccounts`. */
  readonly kind: string;
  /** `performance.now()` when it was sent. */
  readonly start: number;
  readonly ms: number;
  readonly status: number | undefined;
}

/** The recorder installed by {@link recordPlatformCalls}. */
export interface PlatformCallRecorder {
  readonly calls: readonly PlatformCall[];
  /** Labels the calls made from now on. */
  setPhase(phase: string): void;
  /** Puts the original `fetch` back. */
  restore(): void;
}

/** Replaces `globalThis.fetch` with a timing wrapper; `platformOf` names the platform a URL belongs to. */
export function recordPlatformCalls(platformOf: (url: URL) => string): PlatformCallRecorder {
  const original = globalThis.fetch;
  const calls: PlatformCall[] = [];
  let phase = 'setup';
  const wrapped: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const operation = url.pathname.split('/').filter(Boolean).at(-1) ?? 'unknown';
    const platform = platformOf(url);
    const label = phase;
    const start = performance.now();
    let status: number | undefined;
    try {
      const response = await original(input, init);
      status = response.status;
      return response;
    } finally {
      calls.push({
        phase: label,
        kind: `${platform} ${operation}`,
        start,
        ms: performance.now() - start,
        status,
      });
    }
  };
  globalThis.fetch = wrapped;
  return {
    calls,
    setPhase(next) {
      phase = next;
    },
    restore() {
      globalThis.fetch = original;
    },
  };
}

/** Latency percentiles of one call kind in one phase. */
export interface CallLatency {
  readonly phase: string;
  readonly kind: string;
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

/** p50/p90/p99 of the calls, by phase and kind, in the order first seen (pure). */
export function latencyPercentiles(calls: readonly PlatformCall[]): CallLatency[] {
  const groups = new Map<string, { phase: string; kind: string; ms: number[] }>();
  for (const call of calls) {
    const id = `${call.phase}\u0000${call.kind}`;
    const group = groups.get(id) ?? { phase: call.phase, kind: call.kind, ms: [] };
    group.ms.push(call.ms);
    groups.set(id, group);
  }
  return [...groups.values()].flatMap(({ phase, kind, ms }) => {
    const p = percentiles(ms);
    const round = (v: number) => Math.round(v * 10) / 10;
    return p
      ? [{ phase, kind, count: p.count, p50: round(p.p50), p90: round(p.p90), p99: round(p.p99) }]
      : [];
  });
}
