import type { CheckResult, Violation } from './checker.ts';

/** The figures of a chaos run, as the summary line and `--json` give them. */
export interface ChaosFigures {
  readonly requests: number;
  readonly deliveries: number;
  readonly faulted_deliveries: number;
  /** Percent of deliveries, one decimal. */
  readonly faulted_share: number;
  readonly duplicates: number;
  readonly lost: number;
  readonly mismatches: number;
  readonly malformed_rejected: number;
  readonly kills: number;
  /** Injected faults by kind (each met exactly one delivery). */
  readonly faults: Readonly<Record<string, number>>;
  readonly seed: number;
  readonly seconds: number;
  readonly malformed_source: string;
  readonly violations: readonly Violation[];
}

/** Builds the figures from the counters and the verdict. */
export function figuresOf(input: {
  requests: number;
  deliveries: number;
  faults: Readonly<Record<string, number>>;
  kills: number;
  seed: number;
  seconds: number;
  malformedSource: string;
  check: CheckResult;
}): ChaosFigures {
  const faulted = Object.values(input.faults).reduce((a, b) => a + b, 0);
  const share = input.deliveries === 0 ? 0 : Math.round((faulted / input.deliveries) * 1000) / 10;
  return {
    requests: input.requests,
    deliveries: input.deliveries,
    faulted_deliveries: faulted,
    faulted_share: share,
    duplicates: input.check.duplicates,
    lost: input.check.lost,
    mismatches: input.check.mismatches,
    malformed_rejected: input.check.malformedRejected,
    kills: input.kills,
    faults: input.faults,
    seed: input.seed,
    seconds: input.seconds,
    malformed_source: input.malformedSource,
    violations: input.check.violations,
  };
}

/** The last line of a run. */
export function summaryLine(f: ChaosFigures): string {
  return `chaos: ${f.requests} requests, ${f.faulted_deliveries} faulted deliveries (${f.faulted_share} %), ${f.duplicates} duplicates, ${f.lost} lost, ${f.mismatches} mismatches, ${f.malformed_rejected} malformed rejected, ${f.kills} kills`;
}

/** The violations with their history, for a human. */
export function describeViolations(violations: readonly Violation[], limit = 50): string[] {
  const lines: string[] = [];
  for (const v of violations.slice(0, limit)) {
    lines.push(`VIOLATION ${v.kind} ${v.subject}: ${v.problem}`);
    for (const h of v.history ?? []) {
      const events = h.events.map((e) => `${e.kind}${e.error ? `(${e.error.reason})` : ''}`).join(' → ');
      lines.push(
        `    ${h.requestId ?? h.messageId} ${h.action ?? ''} ${h.status} ${h.result ?? h.error?.reason ?? ''} [${events}]`,
      );
    }
  }
  if (violations.length > limit) lines.push(`… and ${violations.length - limit} more`);
  return lines;
}

/** Whether the run broke no invariant. */
export function passed(f: ChaosFigures): boolean {
  return f.violations.length === 0;
}
