import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createLedgerTable } from '../shared/ledger/table.ts';
import {
  BAIJIAYUN_REQUESTS_PER_WINDOW,
  BAIJIAYUN_WINDOW_MS,
} from '../shared/platforms/baijiayun/settings.ts';
import { startBaijiayunSimulator } from '../simulators/baijiayun/server.ts';
import { LOCAL_SIMULATOR_CREDENTIALS as CREDS } from '../simulators/local.ts';
import { startDynalite } from '../test/support/dynalite.ts';

/** What {@link measureRateLimit} reports (these keys exactly). */
export interface RateLimitMeasurement {
  /** The platform's limit the simulator enforces, per 10 s. */
  readonly limit_per_10s: number;
  readonly processes: number;
  /** Requests the platform accepted, per 10 s, over the run. */
  readonly achieved_per_10s: number;
  /** `achieved_per_10s / limit_per_10s`. */
  readonly share: number;
  /** Requests refused for load / requests sent. */
  readonly refused_share: number;
}

/** The cost side of a run, beside {@link RateLimitMeasurement}. */
export interface RateLimitCosts {
  readonly seconds: number;
  readonly requests: number;
  readonly refused: number;
  /** Client calls that failed (after the client's own retries). */
  readonly failed_calls: number;
  /** DynamoDB write units the budget spent per request sent. */
  readonly write_units_per_call: number;
  readonly read_units_per_call: number;
}

interface WorkerCounts {
  readonly requests: number;
  readonly ok: number;
  readonly refused: number;
  readonly failedCalls: number;
  readonly writeUnits: number;
  readonly readUnits: number;
}

const WORKER = fileURLToPath(new URL('./rate-limit-worker.ts', import.meta.url));

/** The next line a child prints. */
async function nextLine(lines: AsyncIterator<string>, child: ChildProcess): Promise<string> {
  const next = await lines.next();
  if (next.done) throw new Error(`rate-limit worker ${child.pid} ended early`);
  return next.value;
}

/**
 * Measures the fleet-wide Baijiayun budget: dynalite with the ledger table, the Baijiayun simulator enforcing
 * the platform's 200 per 10 s per partner, and `processes` separate worker processes, each with its own
 * budget client on the shared table and a Baijiayun client calling as fast as the budget allows, for
 * `seconds` (default 30). Also answers what the budget cost in DynamoDB units.
 */
export async function runRateLimitBench(
  options: { readonly seconds?: number; readonly processes?: number } = {},
): Promise<{ readonly measurement: RateLimitMeasurement; readonly costs: RateLimitCosts }> {
  const seconds = options.seconds ?? 30;
  const processes = options.processes ?? 2;
  const db = await startDynalite();
  const sim = await startBaijiayunSimulator({
    partnerId: CREDS.baijiayun.partnerId,
    partnerKey: CREDS.baijiayun.partnerKey,
    rateLimit: { requests: BAIJIAYUN_REQUESTS_PER_WINDOW, windowMs: BAIJIAYUN_WINDOW_MS },
  });
  const children: ChildProcess[] = [];
  try {
    const tableName = 'rate-limit-bench';
    await createLedgerTable(db.client, tableName);
    const account = sim.state.add({
      mobile: '13900000001',
      email: 'bench@example.com',
      password: 'Bench-pass-1',
      effect_time: '2026-01-01 00:00:00',
      expire_time: '2036-12-31 23:59:59',
    });
    const env = {
      AWS_REGION: 'us-east-1',
      LEDGER_TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: db.endpoint,
      BAIJIAYUN_BASE_URL: sim.baseUrl,
      BAIJIAYUN_PARTNER_ID: CREDS.baijiayun.partnerId,
      BAIJIAYUN_PARTNER_KEY: CREDS.baijiayun.partnerKey,
      BENCH_SUB_ACCOUNT_ID: String(account.partner_id),
    };
    const workers = Array.from({ length: processes }, () => {
      const child = spawn(process.execPath, [WORKER], { env, stdio: ['pipe', 'pipe', 'inherit'] });
      children.push(child);
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
      return { child, lines };
    });
    for (const { child, lines } of workers) await nextLine(lines, child);
    for (const { child } of workers) child.stdin?.write(`go ${seconds * 1000}\n`);
    const counts = await Promise.all(
      workers.map(async ({ child, lines }) => JSON.parse(await nextLine(lines, child)) as WorkerCounts),
    );
    const sum = (key: keyof WorkerCounts) => counts.reduce((total, c) => total + c[key], 0);
    const requests = sum('requests');
    const achieved = (sum('ok') / seconds) * 10;
    const round = (n: number, digits = 4) => Number(n.toFixed(digits));
    return {
      measurement: {
        limit_per_10s: BAIJIAYUN_REQUESTS_PER_WINDOW,
        processes,
        achieved_per_10s: round(achieved, 2),
        share: round(achieved / BAIJIAYUN_REQUESTS_PER_WINDOW),
        refused_share: requests === 0 ? 0 : round(sum('refused') / requests),
      },
      costs: {
        seconds,
        requests,
        refused: sum('refused'),
        failed_calls: sum('failedCalls'),
        write_units_per_call: requests === 0 ? 0 : round(sum('writeUnits') / requests),
        read_units_per_call: requests === 0 ? 0 : round(sum('readUnits') / requests),
      },
    };
  } finally {
    for (const child of children) {
      if (child.exitCode === null) {
        child.kill();
        await once(child, 'exit');
      }
    }
    await sim.close();
    await db.stop();
  }
}

/** {@link runRateLimitBench}'s measurement alone: `{ limit_per_10s, processes, achieved_per_10s, share, refused_share }`. */
export async function measureRateLimit(
  options: { seconds?: number; processes?: number } = {},
): Promise<RateLimitMeasurement> {
  return (await runRateLimitBench(options)).measurement;
}

// `node bench/rate-limit.ts [seconds] [processes]`: the measurement as JSON on stdout, its costs on stderr.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [seconds, processes] = process.argv.slice(2).map(Number);
  const { measurement, costs } = await runRateLimitBench({
    seconds: Number.isFinite(seconds) && seconds !== undefined ? seconds : undefined,
    processes: Number.isFinite(processes) && processes !== undefined ? processes : undefined,
  });
  process.stdout.write(`${JSON.stringify(measurement)}\n`);
  process.stderr.write(`${JSON.stringify(costs)}\n`);
}
