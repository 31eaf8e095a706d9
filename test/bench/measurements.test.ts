import { describe, expect, it } from 'vitest';
import { measureLedgerCosts } from '../../bench/ledger-costs.ts';
import { runPipeline, SERIES_BUCKET_MS } from '../../bench/pipeline.ts';
import { measureSweep } from '../../bench/sweep.ts';

// The bench's measurements on tiny sizes: that they run and count what they say, never how fast.
describe('bench measurements', () => {
  it('costs every request kind from the calls the ledger made', async () => {
    const costs = await measureLedgerCosts({ reps: 1 });

    for (const cost of Object.values(costs.kinds)) {
      expect(cost.round_trips).toBeGreaterThan(0);
      expect(cost.round_trips).toBeLessThanOrEqual(cost.calls);
      expect(cost.write_units).toBe(cost.table_write_units + cost.index_write_units);
      expect(cost.table_write_units).toBe(cost.model_table_write_units);
    }
    expect(costs.kinds.duplicate.index_write_units).toBe(0);
    expect(costs.kinds.create.write_units).toBe(
      Math.max(costs.create_by_platform.cloopen.write_units, costs.create_by_platform.baijiayun.write_units),
    );
  });

  it('counts the items the sweep listing reads', async () => {
    const sweep = await measureSweep({ accounts: 300, due: 12 });

    expect(sweep.expired).toBe(12);
    expect(sweep.items_read).toBeGreaterThanOrEqual(12);
    expect(sweep.read_ratio).toBe(sweep.items_read / 12);
    expect(sweep.guard_items_read).toBeGreaterThan(0);
  });

  it.each(['minimal', 'pipeline'] as const)(
    'concludes every create through the %s pipeline',
    async (variant) => {
      const run = await runPipeline(variant, {
        n: 15,
        concurrency: 2,
        batchSize: 5,
        latencyMs: 0,
        tag: `t${variant}`,
      });

      expect(run.concluded).toBe(15);
      expect(run.series.reduce((sum, p) => sum + (p.perSecond * SERIES_BUCKET_MS) / 1000, 0)).toBe(15);
    },
  );
});
