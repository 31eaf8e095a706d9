import { describe, expect, it } from 'vitest';
import { checkRun, type RunSnapshot } from '../../bench/chaos/checker.ts';
import { FaultPlan } from '../../bench/chaos/fault-plan.ts';
import { BUILT_IN, loadMalformedBodies } from '../../bench/chaos/malformed.ts';
import { Rng } from '../../bench/chaos/prng.ts';
import { figuresOf, summaryLine } from '../../bench/chaos/report.ts';
import { generateWorkload } from '../../bench/chaos/workload.ts';

describe('chaos workload', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(generateWorkload(200, 7)).toEqual(generateWorkload(200, 7));
    expect(generateWorkload(200, 8).sends).not.toEqual(generateWorkload(200, 7).sends);
  });

  it('has exactly n requests, creates first, each tenant in order, re-sends with a new deduplication id', () => {
    const w = generateWorkload(500, 7);
    expect(w.tenants.reduce((a, t) => a + t.requests.length, 0)).toBe(500);
    expect(w.sends.filter((s) => s.kind === 'original')).toHaveLength(500);
    const firstFollowUp = w.sends.findIndex((s) => s.request.action !== 'create');
    expect(w.sends.slice(0, firstFollowUp).every((s) => s.request.action === 'create')).toBe(true);
    const order = new Map<string, number>();
    for (const s of w.sends.filter((x) => x.kind === 'original')) {
      const k = Number(s.request.requestId.split('-')[1]);
      expect(k).toBe((order.get(s.request.tenantId) ?? -1) + 1);
      order.set(s.request.tenantId, k);
    }
    const resends = w.sends.filter((s) => s.kind === 'resend');
    expect(resends.length).toBe(w.resends);
    for (const r of resends) expect(r.deduplicationId).toMatch(/#resend$/);
    expect(new Set(w.tenants.map((t) => t.platform))).toEqual(new Set(['cloopen', 'baijiayun']));
  });
});

describe('chaos fault plan', () => {
  it('draws the same faults for the same calls', () => {
    const calls = (plan: FaultPlan) =>
      Array.from({ length: 300 }, () => plan.platformFault('baijiayun', 'addSubAccount'));
    expect(calls(new FaultPlan(7, 300))).toEqual(calls(new FaultPlan(7, 300)));
  });

  it('plans one kill after a platform commit for a small run', () => {
    const plan = new FaultPlan(7, 300);
    const faults = Array.from({ length: 300 }, () => plan.platformFault('cloopen', 'SubAccounts'));
    expect(faults.filter((f) => f?.kind === 'commit-then-hang')).toHaveLength(1);
    expect(plan.randomKills).toHaveLength(0);
    const share = faults.filter(Boolean).length / faults.length;
    expect(share).toBeGreaterThan(0.08);
    expect(share).toBeLessThan(0.25);
  });

  it('fails DynamoDB writes after forwarding only', () => {
    const plan = new FaultPlan(1, 100, { dynamodbShare: 1 });
    for (let i = 0; i < 200; i++) expect(plan.dynamodbFault('GetItem')?.when).toBe('before');
  });
});

describe('chaos prng and malformed bodies', () => {
  it('stays in range', () => {
    const rng = new Rng(1);
    for (let i = 0; i < 1000; i++) expect(rng.int(3, 5)).toBeGreaterThanOrEqual(3);
  });

  it('falls back to the built-in bodies without the corpus', () => {
    expect(loadMalformedBodies('/nonexistent')).toEqual({ source: 'built-in', bodies: [...BUILT_IN] });
  });
});

describe('chaos checker and report', () => {
  const workload = generateWorkload(10, 3);
  const base: RunSnapshot = {
    workload,
    accounts: new Map(),
    histories: new Map(),
    platformAccounts: [],
    rejections: [],
    acks: new Map(),
    malformed: [],
    deliveries: new Map(),
    dlq: [],
    drifts: [],
    logLines: ['{"message":"hello"}', 'token s3cr3t-value-123 leaked'],
    secrets: ['s3cr3t-value-123'],
    undrained: 0,
  };

  it('reports lost requests, logged secrets and duplicate sub-accounts', () => {
    const t = workload.tenants[0];
    if (!t) throw new Error('no tenant');
    const dup = { platform: t.platform, id: 'x', naturalKey: t.naturalKey, live: true, profile: {} };
    const result = checkRun({ ...base, platformAccounts: [dup, { ...dup, id: 'y' }] });
    expect(result.lost).toBeGreaterThanOrEqual(workload.requests);
    expect(result.duplicates).toBe(1);
    expect(result.violations.filter((v) => v.kind === 'secret')).toHaveLength(1);
  });

  it('prints the summary line', () => {
    const f = figuresOf({
      requests: 10,
      deliveries: 20,
      faults: { a: 3, b: 2 },
      kills: 1,
      seed: 1,
      seconds: 1,
      malformedSource: 'built-in',
      check: { duplicates: 0, lost: 0, mismatches: 0, malformedRejected: 1, violations: [] },
    });
    expect(summaryLine(f)).toBe(
      'chaos: 10 requests, 5 faulted deliveries (25 %), 0 duplicates, 0 lost, 0 mismatches, 1 malformed rejected, 1 kills',
    );
  });
});
