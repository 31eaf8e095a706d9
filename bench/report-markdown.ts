import { INDEX_ENTRY_OVERHEAD_BYTES } from './index-units.ts';
import {
  type BenchResults,
  latencyTable,
  ledgerTable,
  pipelineTable,
  show,
  table,
  targetsTable,
} from './report.ts';

/**
 * The bench's Markdown report: the figures, and how each was measured (the models are stated here so the
 * report can be read without the code). Pure.
 *
 * @module
 */

const METHOD = `## How the figures are measured

Everything runs in one Node process on this machine (dynalite, fauxqs, the strict simulators and the
code under test share its one JavaScript thread), so absolute rates say little about Lambda; the ratios
between variants measured in the same run do.

**Pipeline.** The requests (Cloopen creates, one message group per tenant) are queued first by the
project's producer; then the consumer starts, on a fresh local stack (\`local/stack.ts\`). The real pipeline
is the deployed handler (\`local/wiring.ts\` → \`functions/process-provisioning-requests.ts\`) behind the
local Lambda-like poller (\`local/poller.ts\`); the minimal pipeline receives a batch, and per message writes
a conditional intent (PutItem if absent), makes one signed Cloopen create through the project's Cloopen
client and writes the result (PutItem), then deletes the batch. Both run with the same poller concurrency
and batch size, both take a batch's messages in order. A batch's records count as concluded when the
handler returns (minus its \`batchItemFailures\`) or when the minimal loop wrote its last result, both
before the delete. **creates/s is the steady rate**: records concluded after the first 10 % (the warm-up)
divided by the time from that conclusion to the last one. \`ratio = pipeline / minimal\`. The 100 ms runs
set the Cloopen simulator's latency option (\`POST /__sim/latency\`), so every platform call waits 100 ms.
The handler's stdout (logs, EMF metrics) is swallowed but produced. A warm-up run of each variant comes
first and is not reported; then, at each latency, the runs go minimal, pipeline, pipeline, minimal (ABBA)
and each variant's rate is the mean of its two runs, so a drift in the machine's load (other work on its
cores) biases neither side.

**Platform-call latency** is timed around the global \`fetch\` the platform clients use (the AWS SDK does
not use it), per \`{platform} {operation}\` and run; percentiles are nearest-rank.

**Ledger.** Each request kind runs the real use case (\`processMessage\`, with the dependencies of
\`test/support/use-cases.ts\`) against dynalite and the simulators. An SDK middleware on the DynamoDB
client records every call (command, start and end, \`ConsumedCapacity\` — \`ReturnConsumedCapacity: TOTAL\`
is requested on every call — and for writes the item before and after, read by an unrecorded client). Only
the measured request's calls count (the create before a suspend does not).

- **round trips**: sequential waves of calls; sorted by start, a call that starts before the current
  wave's last end joins it.
- **write units = table units + index units.** Table units are DynamoDB's (the emulator's) reported
  figure, which is ceil(max(size before, size after) / 1 KB); a failed conditional write costs 1.
  dynalite reports no index units, so the **index-unit model** (\`bench/index-units.ts\`) computes them from
  the images and the index definitions of \`ledgerTableDefinition\`: an item is in an index when it has all
  of the index's key attributes; entering it costs one put, changing an index key value two writes
  (delete + put), leaving it one delete, staying with the same keys while a projected attribute changes one
  put, anything else nothing. Each put or delete costs ceil(entry / 1 KB), the entry being the projected
  attributes (ALL / KEYS_ONLY / INCLUDE) plus the table and index keys plus ${INDEX_ENTRY_OVERHEAD_BYTES} bytes.
  Item size: attribute name lengths plus values (strings UTF-8 bytes, numbers ceil(digits / 2) + 1,
  booleans and nulls 1, lists and maps 3 + elements + 1 per element).
- **read units**: DynamoDB's reported \`ConsumedCapacity\` of the reads (GetItem strongly consistent: 1 per
  4 KB; eventually consistent 0.5).
- create is reported for the costlier platform by write units (both are listed below); the other kinds
  run on Baijiayun (Cloopen has no suspend, resume or update); duplicate is the same message delivered
  again (receive count 2) after its create concluded; update changes the profile's company.

**Sweep.** A ledger table is seeded with BatchWriteItem of items built by the ledger's \`accountItem\`; then
the ledger lists the due accounts (\`bench/sweep.ts\` \`listDue\`: the expiry listing of both expiring
states) and counts the active ones for the guard (\`guardCount\`). Items read are the \`ScannedCount\` of
the Queries each step issued; \`read_ratio = items_read / expired\`.

**Bundle** and **rate limit** come from \`bench/bundle.ts\` and \`bench/rate-limit.ts\` when present.
`;

/** The whole report. */
export function renderMarkdown(results: BenchResults, chartFile: string): string {
  const m = results.machine;
  const s = results.sweep;
  const notes = Object.entries(results.notes);
  const bundle = results.bundle;
  const rate = results.rate_limit;
  return [
    `# Bench ${results.date} (${results.mode})`,
    '',
    `${m.cores} cores (${String(m.cpu ?? '?')}), ${String(m.memory_gb ?? '?')} GB, Node ${m.node}, ` +
      `${String(m.platform ?? '')}/${String(m.arch ?? '')}, commit ${String(m.commit ?? '?')}; ` +
      `the run took ${show(results.duration_s)} s.`,
    '',
    `![throughput and platform latency](${chartFile})`,
    '',
    '## Targets',
    '',
    targetsTable(results.targets),
    '',
    `## Pipeline (concurrency ${results.pipeline.concurrency}, batch size ${results.pipeline.batch_size})`,
    '',
    pipelineTable(results.pipeline),
    '',
    '## Platform-call latency',
    '',
    latencyTable(results.platform_latency),
    '',
    '## Ledger cost per request',
    '',
    ledgerTable(results.ledger),
    '',
    `Creates by platform: ${Object.entries(results.ledger.create_by_platform)
      .map(([p, c]) => `${p} ${show(c.round_trips)} round trips, ${show(c.write_units)} write units`)
      .join('; ')}.`,
    '',
    '## Expiry sweep',
    '',
    table(
      [
        'accounts',
        'due',
        'listed',
        'items read',
        'read ratio',
        'queries',
        'guard items read',
        'guard queries',
      ],
      [
        [
          s.accounts,
          s.due,
          s.expired,
          s.items_read,
          s.read_ratio,
          s.queries,
          s.guard_items_read,
          s.guard_queries,
        ].map((v) => show(v)),
      ],
    ),
    '',
    '## Bundle',
    '',
    bundle
      ? table(
          ['function', 'bytes'],
          [
            ...Object.entries(bundle.functions).map(([name, bytes]) => [name, String(bytes)]),
            ['max KB', show(bundle.max_kb)],
            ['init ms / SDK-only init ms', `${show(bundle.init_ms)} / ${show(bundle.sdk_only_init_ms)}`],
            ['init ratio', show(bundle.init_ratio)],
          ],
        )
      : 'Not measured (see notes).',
    '',
    '## Rate limit',
    '',
    rate
      ? table(
          ['limit / 10 s', 'processes', 'achieved / 10 s', 'share', 'refused share'],
          [
            [rate.limit_per_10s, rate.processes, rate.achieved_per_10s, rate.share, rate.refused_share].map(
              (v) => show(v),
            ),
          ],
        )
      : 'Not measured (see notes).',
    '',
    ...(notes.length > 0 ? ['## Notes', '', ...notes.map(([k, v]) => `- **${k}**: ${v}`), ''] : []),
    METHOD,
  ].join('\n');
}
