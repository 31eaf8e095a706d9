import { describe, expect, it } from 'vitest';
import { evaluateTargets, figureAt, show, TARGETS, targetsTable } from '../../bench/report.ts';

describe('bench report', () => {
  it('reads figures by dotted path', () => {
    expect(figureAt({ a: { b: 2 } }, 'a.b')).toBe(2);
    expect(figureAt({ a: null }, 'a.b')).toBeNull();
    expect(figureAt({ a: { b: Number.NaN } }, 'a.b')).toBeNull();
  });

  it('judges every target of issue 8, and none without a figure', () => {
    const results = evaluateTargets({
      pipeline: { ratio: 0.95 },
      ledger: {
        create: { round_trips: 3, write_units: 4 },
        suspend: { write_units: 2 },
        resume: { write_units: 3 },
      },
      bundle: null,
      sweep: { read_ratio: 1 },
      rate_limit: { share: 0.94, refused_share: 0 },
    });
    const pass = Object.fromEntries(results.map((r) => [r.figure, r.pass]));
    expect(results).toHaveLength(TARGETS.length);
    expect(pass).toEqual({
      'pipeline.ratio': true,
      'ledger.create.round_trips': false,
      'ledger.create.write_units': true,
      'ledger.suspend.write_units': true,
      'ledger.resume.write_units': false,
      'bundle.max_kb': null,
      'bundle.init_ratio': null,
      'sweep.read_ratio': true,
      'rate_limit.share': false,
      'rate_limit.refused_share': true,
    });
    expect(targetsTable(results)).toContain('| ledger.create.round_trips | 3 | <= 2 | MISS |');
  });

  it('shows numbers briefly', () => {
    expect(show(null)).toBe('n/a');
    expect(show(3)).toBe('3');
    expect(show(0.12345)).toBe('0.123');
    expect(show(12.345)).toBe('12.35');
    expect(show(1234.56)).toBe('1234.6');
  });
});
