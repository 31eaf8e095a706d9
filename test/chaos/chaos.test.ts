import { describe, expect, it } from 'vitest';
import { runChaos } from '../../bench/chaos/chaos.ts';
import { summaryLine } from '../../bench/chaos/report.ts';

describe('npm run chaos, small', () => {
  it('keeps exactly-once effect for 200 requests under the fault mix and one kill', async () => {
    // Act
    const figures = await runChaos({ n: 200, seed: 7 });

    // Assess
    expect(figures.violations, summaryLine(figures)).toEqual([]);
    expect(figures.duplicates).toBe(0);
    expect(figures.lost).toBe(0);
    expect(figures.mismatches).toBe(0);
    expect(figures.kills).toBeGreaterThanOrEqual(1);
    expect(figures.faulted_share).toBeGreaterThanOrEqual(20);
  }, 60_000);
});
