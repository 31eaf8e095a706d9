import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { processEnvironment } from '../shared/config.ts';
import { platformModules } from '../shared/platforms/registry.ts';
import { localPlatformOverrides } from '../shared/platforms/sources.ts';
import { DEFAULT_STATE_FILE, type PollerLogger, startLocalStack } from './stack.ts';
import { createTables, makeHandler, probeSchedule, startSimulators, sweepSchedule } from './wiring.ts';

/**
 * `npm start`: the whole pipeline on this machine (dynalite, fauxqs, both simulators, the handler behind a
 * Lambda-like poller) until Ctrl-C. `npm start -- --data .local/data` keeps queue and ledger across runs.
 */

const label = (title: string) => title.split(' (')[0] ?? title;

const USAGE = `Usage: npm start -- [--data DIR] [--port-base N]

  --data DIR       keep DynamoDB and SQS data in DIR across restarts (default: in memory)
  --port-base N    fixed ports: dynalite N, fauxqs N+1, ${platformModules.map((p, i) => `${label(p.title)} simulator N+${i + 2}`).join(', ')}
                   (default: free ports, written to .local/stack.json for the CLI)
  --sweep-every M  run the expiry sweep every M minutes (default 15; 0 or off: never)
  --help           this text`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function options(): { dataDir?: string; portBase?: number; sweepEveryMinutes: number } {
  let values: {
    data?: string | undefined;
    'port-base'?: string | undefined;
    'sweep-every'?: string | undefined;
    help?: boolean | undefined;
  };
  try {
    ({ values } = parseArgs({
      options: {
        data: { type: 'string' },
        'port-base': { type: 'string' },
        'sweep-every': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const every = values['sweep-every'] ?? '15';
  const sweepEveryMinutes = every === 'off' ? 0 : Number(every);
  if (!Number.isFinite(sweepEveryMinutes) || sweepEveryMinutes < 0) {
    fail('--sweep-every must be a number of minutes, or off');
  }
  const out: { dataDir?: string; portBase?: number; sweepEveryMinutes: number } = { sweepEveryMinutes };
  if (values.data !== undefined) {
    if (values.data.trim() === '') fail('--data needs a directory');
    out.dataDir = values.data;
  }
  if (values['port-base'] !== undefined) {
    const n = Number(values['port-base']);
    if (!Number.isInteger(n) || n < 1024 || n > 65_532) fail('--port-base must be a port from 1024 to 65532');
    out.portBase = n;
  }
  return out;
}

function line(level: string, message: string, details?: Record<string, unknown>): string {
  const time = new Date().toISOString().slice(11, 23);
  return `${time} ${level} ${message}${details && Object.keys(details).length ? ` ${JSON.stringify(details)}` : ''}`;
}

const logger: PollerLogger = {
  info: (message, details) => console.log(line('INFO ', message, details)),
  warn: (message, details) => console.warn(line('WARN ', message, details)),
  error: (message, details) => console.error(line('ERROR', message, details)),
};

const { dataDir, portBase, sweepEveryMinutes } = options();
// A vendor whose base URL is set in the environment is called there (say its sandbox), not simulated.
const overrides = localPlatformOverrides(processEnvironment());
function targets(simulators: Readonly<Record<string, string>>): string {
  return platformModules
    .map(({ title, settings }) => {
      const variable = settings.variables[settings.endpoint] ?? '';
      const own = overrides[variable];
      const where = own ? `${own} (from ${variable})` : (simulators[variable] ?? '-');
      return `  ${label(title).padEnd(22)}${where}`;
    })
    .join('\n');
}

let stack: Awaited<ReturnType<typeof startLocalStack>>;
try {
  stack = await startLocalStack({
    dataDir,
    portBase,
    createTables,
    startSimulators,
    makeHandler,
    logger,
    env: overrides,
    schedules: [
      ...(sweepEveryMinutes > 0 ? [sweepSchedule(sweepEveryMinutes * 60_000)] : []),
      probeSchedule(15_000),
    ],
  });
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error && cause.stack) console.error(cause.stack);
  process.exit(1);
}

const { info } = stack;
const state = relative(process.cwd(), DEFAULT_STATE_FILE) || DEFAULT_STATE_FILE;
console.log(`Local provisioning stack running (pid ${info.pid})
  DynamoDB (dynalite)   ${info.dynamodbEndpoint}   table ${info.tableName}
  SQS (fauxqs)          ${info.sqsEndpoint}
  queue                 ${info.queueUrl}
  dead-letter queue     ${info.dlqUrl}
  outcomes queue        ${info.outcomesQueueUrl} (outcome events; no local EventBridge)
${targets(info.simulators)}
  data                  ${info.dataDir ?? 'in memory'}
  expiry sweep          ${sweepEveryMinutes > 0 ? `every ${sweepEveryMinutes} min (--sweep-every)` : 'off'}
Described in ${state} for the CLI. In another terminal:
  npx provisioner send examples/signups.jsonl
  npx provisioner list
  npx provisioner outcomes --follow
Ctrl-C stops.`);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) {
    // A second Ctrl-C: the user does not want to wait for the batch in flight.
    console.error(`${signal} again: exiting without waiting`);
    process.exit(130);
  }
  stopping = true;
  console.log(`${signal}: stopping (waiting for the batch in flight)…`);
  try {
    await stack.stop();
    process.exit(0);
  } catch (error) {
    console.error(`Stopping failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
