import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { awsClientOptions, LOCAL_AWS_CREDENTIALS } from '../shared/aws/local.ts';
import { startDynalite } from './dynalite.ts';
import { LocalStackAlreadyRunningError, LocalStackStartError } from './errors.ts';
import {
  type PollerLogger,
  type SqsHandler,
  type SqsPoller,
  type SqsPollerOptions,
  startSqsPoller,
} from './poller.ts';
import { ensureOutcomesQueue, ensureProvisioningQueues, type ProvisioningQueueOptions } from './queues.ts';
import { type LocalSchedule, startSchedules } from './schedules.ts';
import {
  DEFAULT_STATE_FILE,
  isProcessAlive,
  type LocalStackState,
  readStackState,
  removeStackState,
  writeStackState,
} from './state.ts';

export type { PollerLogger, SqsHandler } from './poller.ts';
export { DEFAULT_STATE_FILE, type LocalStackState } from './state.ts';

/** Ledger table name of the local stack. */
export const LOCAL_TABLE_NAME = 'provisioner-ledger';

/** Simulators a stack runs, as `startSimulators` hands them over. */
export interface StartedSimulators {
  /** The `CLOOPEN_*` / `BAIJIAYUN_*` settings that point clients at them. */
  readonly env: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/** Options of {@link startLocalStack}. Every piece of the pipeline is injected; see `local/wiring.ts`. */
export interface LocalStackOptions {
  /** Keep DynamoDB and SQS data here (`dynamodb/`, `sqs/`) across restarts; in memory when absent. */
  readonly dataDir?: string | undefined;
  /** Fixed ports: dynalite on N, fauxqs on N+1, simulators from N+2. Ephemeral ports when absent. */
  readonly portBase?: number | undefined;
  /** Default `us-east-1`. */
  readonly region?: string | undefined;
  /** Default {@link LOCAL_TABLE_NAME}. */
  readonly tableName?: string | undefined;
  /** Queue names, `maxReceiveCount` (default 5) and visibility timeout (default 60 s). */
  readonly queues?: ProvisioningQueueOptions | undefined;
  /** Where to describe the stack for the CLI (default `.local/stack.json`); `false` writes nothing. */
  readonly stateFile?: string | false | undefined;
  /** Creates the tables (the ledger's `createLedgerTable`); must be idempotent for a persisted `dataDir`. */
  readonly createTables?: ((dynamodb: DynamoDBClient, tableName: string) => Promise<void>) | undefined;
  /** Starts the platform simulators; `firstPort` is set with `portBase`. */
  readonly startSimulators?:
    | ((ports: { firstPort?: number | undefined }) => Promise<StartedSimulators>)
    | undefined;
  /** Builds the handler from the stack's environment; without it no poller runs (queue only). */
  readonly makeHandler?:
    | ((env: Readonly<Record<string, string>>) => SqsHandler | Promise<SqsHandler>)
    | undefined;
  /** Extra variables for the handler's environment, over the stack's own. */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** Poller settings (batch size, wait time, max concurrency, function timeout). */
  readonly poller?:
    | Pick<
        SqsPollerOptions,
        'batchSize' | 'waitTimeSeconds' | 'maxConcurrency' | 'functionTimeoutMs' | 'functionName'
      >
    | undefined;
  readonly logger?: PollerLogger | undefined;
  /** Functions run on an interval (the expiry sweep), as the deployed schedules run them. */
  readonly schedules?: readonly LocalSchedule[] | undefined;
}

/** The local function timeout, as the deployed handler's. */
export const LOCAL_FUNCTION_TIMEOUT_MS = 120_000;

/** A running local stack. */
export interface LocalStack {
  /** What the state file says. */
  readonly info: LocalStackState;
  /**
   * The environment the handler was built from: the state plus `AWS_REGION`, `LEDGER_TABLE_NAME`,
   * `DYNAMODB_ENDPOINT`, `SQS_ENDPOINT`, `QUEUE_URL`, `OUTCOME_QUEUE_URL`, `CREDENTIALS_LOCAL_KEY`, the
   * simulators' settings…
   */
  readonly env: Readonly<Record<string, string>>;
  /** Clients on the stack's endpoints, closed by {@link stop}. */
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  /** The poller, when a handler was given. */
  readonly poller: SqsPoller | undefined;
  /** See {@link SqsPoller.idle}; resolves at once without a poller. */
  idle(): Promise<void>;
  /** Stops the poller, the simulators, fauxqs and dynalite, and removes the state file. Idempotent. */
  stop(): Promise<void>;
}

const SILENT: PollerLogger = { info() {}, warn() {}, error() {} };

/**
 * The AES key that seals stored credentials locally. Kept in the data directory so a persisted ledger's
 * credentials stay readable after a restart; a fresh random one per run in memory.
 */
async function localCredentialsKey(dataDir: string | undefined): Promise<string> {
  if (!dataDir) return randomBytes(32).toString('base64');
  const file = join(dataDir, 'credentials-local-key');
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (Buffer.from(existing, 'base64').length === 32) return existing;
  } catch {
    // None yet: create it below.
  }
  const key = randomBytes(32).toString('base64');
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/**
 * Starts the whole pipeline on this machine: dynalite, fauxqs with the FIFO queue and its DLQ, the tables,
 * the simulators, and the handler behind a Lambda-like SQS poller; then writes the state file the CLI
 * reads. If any step fails, what was already started is stopped again and {@link LocalStackStartError}
 * names the step.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.logger ?? SILENT;
  const region = options.region ?? 'us-east-1';
  const tableName = options.tableName ?? LOCAL_TABLE_NAME;
  const stateFile =
    options.stateFile === false ? undefined : resolve(options.stateFile ?? DEFAULT_STATE_FILE);
  const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
  const port = (offset: number) => (options.portBase === undefined ? 0 : options.portBase + offset);

  if (stateFile) {
    const existing = await readStackState(stateFile);
    if (existing && existing.pid !== process.pid && isProcessAlive(existing.pid)) {
      throw new LocalStackAlreadyRunningError(existing.pid, stateFile);
    }
  }

  const cleanups: { what: string; run: () => Promise<void> }[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup.run();
      } catch (error) {
        log.warn(`Could not stop ${cleanup.what}`, { error: String(error) });
      }
    }
  };
  let step = 'prepare the data directory';
  const started = async <T>(what: string, start: () => Promise<T>): Promise<T> => {
    step = what;
    return start();
  };

  try {
    if (dataDir) await mkdir(dataDir, { recursive: true });

    const db = await started('start dynalite', () =>
      startDynalite({ port: port(0), ...(dataDir ? { path: join(dataDir, 'dynamodb') } : {}) }),
    );
    cleanups.push({ what: 'dynalite', run: () => db.close() });

    const mq = await started('start fauxqs', async () => {
      if (dataDir) await mkdir(join(dataDir, 'sqs'), { recursive: true });
      return startFauxqs({
        port: port(1),
        logger: false,
        defaultRegion: region,
        ...(dataDir ? { dataDir: join(dataDir, 'sqs') } : {}),
      });
    });
    cleanups.push({ what: 'fauxqs', run: () => mq.stop() });
    const sqsEndpoint = `http://127.0.0.1:${mq.port}`;

    const sqs = new SQSClient(awsClientOptions(region, sqsEndpoint));
    const dynamodb = new DynamoDBClient(awsClientOptions(region, db.endpoint));
    cleanups.push({
      what: 'AWS clients',
      run: async () => {
        sqs.destroy();
        dynamodb.destroy();
      },
    });

    // As deployed (infra/): a 120 s function and a visibility timeout six times that, so a batch that
    // outlives the function is never handed out again while the first run of it is still going.
    const functionTimeoutMs = options.poller?.functionTimeoutMs ?? LOCAL_FUNCTION_TIMEOUT_MS;
    const queues = await started('create the queues', () =>
      ensureProvisioningQueues(sqs, {
        visibilityTimeoutSeconds: (functionTimeoutMs / 1000) * 6,
        ...options.queues,
      }),
    );
    const outcomesQueueUrl = await started('create the outcomes queue', () => ensureOutcomesQueue(sqs));
    const { createTables } = options;
    if (createTables) await started('create the tables', () => createTables(dynamodb, tableName));

    const { startSimulators } = options;
    const simulators = startSimulators
      ? await started('start the simulators', () =>
          startSimulators(options.portBase === undefined ? {} : { firstPort: port(2) }),
        )
      : undefined;
    if (simulators) cleanups.push({ what: 'simulators', run: () => simulators.close() });

    const extra = options.env ?? {};
    const keyGiven = extra.CREDENTIALS_LOCAL_KEY !== undefined || extra.CREDENTIALS_KMS_KEY_ID !== undefined;
    const env: Record<string, string> = {
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
      LEDGER_TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: db.endpoint,
      SQS_ENDPOINT: sqsEndpoint,
      QUEUE_URL: queues.queueUrl,
      DLQ_URL: queues.dlqUrl,
      OUTCOME_QUEUE_URL: outcomesQueueUrl,
      MAX_RECEIVE_COUNT: String(options.queues?.maxReceiveCount ?? 5),
      ...(keyGiven ? {} : { CREDENTIALS_LOCAL_KEY: await localCredentialsKey(dataDir) }),
      ...simulators?.env,
      ...extra,
    };

    const { makeHandler } = options;
    const handler = makeHandler
      ? await started('build the handler', async () => makeHandler(env))
      : undefined;
    const poller = handler
      ? startSqsPoller({
          sqs,
          queueUrl: queues.queueUrl,
          queueArn: queues.queueArn,
          handler,
          logger: log,
          ...options.poller,
          functionTimeoutMs,
        })
      : undefined;
    if (poller) cleanups.push({ what: 'the poller', run: () => poller.stop() });
    const schedules = startSchedules(options.schedules ?? [], env, log);
    cleanups.push({ what: 'the schedules', run: () => schedules.stop() });

    let credentialsKeyFile: string | undefined;
    if (stateFile && env.CREDENTIALS_LOCAL_KEY) {
      // The CLI's `reconcile --repair` seals adopted credentials with the stack's key: beside the state
      // file, readable by this user only, removed on stop (a persisted one also lives in the data directory).
      const keyFile = join(dirname(stateFile), 'credentials-local-key');
      const key = env.CREDENTIALS_LOCAL_KEY;
      await started('write the credentials key file', async () => {
        await mkdir(dirname(stateFile), { recursive: true });
        await writeFile(keyFile, `${key}\n`, { mode: 0o600 });
      });
      cleanups.push({ what: 'the credentials key file', run: () => rm(keyFile, { force: true }) });
      credentialsKeyFile = keyFile;
    }

    const info: LocalStackState = {
      pid: process.pid,
      region,
      dynamodbEndpoint: db.endpoint,
      sqsEndpoint,
      queueUrl: queues.queueUrl,
      queueArn: queues.queueArn,
      dlqUrl: queues.dlqUrl,
      dlqArn: queues.dlqArn,
      tableName,
      outcomesQueueUrl,
      simulators: { ...simulators?.env },
      ...(dataDir ? { dataDir } : {}),
      ...(credentialsKeyFile ? { credentialsKeyFile } : {}),
      startedAt: new Date().toISOString(),
    };
    if (stateFile) {
      await started('write the state file', () => writeStackState(stateFile, info));
      // Removed first on stop, so the CLI stops using a stack that is going away.
      cleanups.push({ what: 'the state file', run: () => removeStackState(stateFile, process.pid) });
    }

    let stopping: Promise<void> | undefined;
    return {
      info,
      env,
      sqs,
      dynamodb,
      poller,
      idle: () => poller?.idle() ?? Promise.resolve(),
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    throw new LocalStackStartError(
      `Local stack failed to ${step}: ${error instanceof Error ? error.message : String(error)}`,
      error,
    );
  }
}
