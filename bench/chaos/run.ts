import { parseArgs } from 'node:util';
import { runChaos } from './chaos.ts';
import { describeViolations, passed, summaryLine } from './report.ts';

/**
 * `npm run chaos [-- --n N] [--seed S] [--json]`: a seeded, repeatable run of the real handler on the local
 * stack under faults, judged by the exactly-once invariants. Exits 1 on any violation; the last line is the
 * summary (or, with `--json`, the figures as one JSON document).
 */

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '20261202' },
    json: { type: 'boolean' },
  },
  strict: true,
});
const n = Number(values.n);
const seed = Number(values.seed);
if (!Number.isInteger(n) || n < 10 || !Number.isInteger(seed) || seed < 0) {
  console.error('Usage: npm run chaos -- [--n N (>= 10)] [--seed S (>= 0)] [--json]');
  process.exit(2);
}
const figures = await runChaos({ n, seed, progress: (line) => console.error(`chaos: ${line}`) });
for (const line of describeViolations(figures.violations)) console.error(line);
if (values.json) console.log(JSON.stringify(figures, null, 2));
else {
  console.log(
    `faults: ${JSON.stringify(figures.faults)}; ${figures.deliveries} deliveries in ${figures.seconds} s; malformed bodies: ${figures.malformed_source}`,
  );
  console.log(summaryLine(figures));
}
process.exit(passed(figures) ? 0 : 1);
