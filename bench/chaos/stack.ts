import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { startDynalite } from '../../local/dynalite.ts';
import { ensureProvisioningQueues, type ProvisioningQueues } from '../../local/queues.ts';
import { awsClientOptions, LOCAL_AWS_CREDENTIALS } from '../../shared/aws/local.ts';
import { createLedgerTable } from '../../shared/ledger/index.ts';
import { type LocalSimulators, startLocalSimulators } from '../../simulators/local.ts';
import type { FaultPlan } from './fault-plan.ts';
import { type RunningProxy, startDynamoProxy, startPlatformProxy } from './proxies.ts';

/**
 * The local stack of a chaos run: dynalite, fauxqs (FIFO queue and DLQ with short retry settings), both
 * simulators, and the fault proxies; `handlerEnv` points the handler at the proxies, `directEnv` at the
 * real services (for the checks).
 */
export interface ChaosStack {
  readonly sqs: SQSClient;
  readonly queues: ProvisioningQueues;
  readonly simulators: LocalSimulators;
  readonly handlerEnv: Readonly<Record<string, string>>;
  readonly directEnv: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/** Deliveries before the DLQ: high, so transient faults never reach it. */
export const CHAOS_MAX_RECEIVE_COUNT = 50;

export async function startChaosStack(
  plan: FaultPlan,
  count: (kind: string) => void,
  onCommitHang: () => void,
): Promise<ChaosStack> {
  const region = 'us-east-1';
  const db = await startDynalite();
  const mq = await startFauxqs({ port: 0, logger: false, defaultRegion: region });
  const sqsEndpoint = `http://127.0.0.1:${mq.port}`;
  const sqs = new SQSClient(awsClientOptions(region, sqsEndpoint));
  const dynamodb = new DynamoDBClient(awsClientOptions(region, db.endpoint));
  const tableName = 'chaos-ledger';
  await createLedgerTable(dynamodb, tableName);
  const queues = await ensureProvisioningQueues(sqs, {
    maxReceiveCount: CHAOS_MAX_RECEIVE_COUNT,
    visibilityTimeoutSeconds: 8,
  });
  const simulators = await startLocalSimulators();
  const proxies: RunningProxy[] = [];
  const platformProxy = async (platform: 'cloopen' | 'baijiayun') => {
    const sim = simulators[platform];
    const proxy = await startPlatformProxy({
      platform,
      target: sim.baseUrl,
      plan,
      inject: (rule) => sim.inject(rule),
      onFault: (fault) => {
        if (fault.kind === 'commit-then-hang') onCommitHang();
        else count(`${platform}:${fault.kind}`);
      },
    });
    proxies.push(proxy);
    return `${proxy.url}${new URL(sim.baseUrl).pathname}`.replace(/\/+$/, '');
  };
  const dynamoProxy = await startDynamoProxy({
    target: db.endpoint,
    plan,
    onFault: (fault) => count(`dynamodb:${fault.type}${fault.when === 'after' ? ':after-commit' : ''}`),
  });
  proxies.push(dynamoProxy);
  const directEnv: Record<string, string> = {
    ...simulators.env,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
    LEDGER_TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: db.endpoint,
    SQS_ENDPOINT: sqsEndpoint,
    QUEUE_URL: queues.queueUrl,
    CREDENTIALS_LOCAL_KEY: Buffer.alloc(32, 7).toString('base64'),
  };
  const handlerEnv: Record<string, string> = {
    ...directEnv,
    CLOOPEN_BASE_URL: await platformProxy('cloopen'),
    BAIJIAYUN_BASE_URL: await platformProxy('baijiayun'),
    DYNAMODB_ENDPOINT: dynamoProxy.url,
    DLQ_URL: queues.dlqUrl,
    MAX_RECEIVE_COUNT: String(CHAOS_MAX_RECEIVE_COUNT),
    // Ten years: the default expiries stay beyond the run's sweep instant, so it acts on the swept tenants only.
    DEFAULT_HORIZON_DAYS: '3650',
    RETRY_BASE_SECONDS: '1',
    RETRY_MAX_SECONDS: '2',
    CLOOPEN_TIMEOUT_MS: '800',
    BAIJIAYUN_TIMEOUT_MS: '800',
    RECORD_TIME_BUDGET_MS: '2500',
    CHAOS_FUNCTION_TIMEOUT_MS: '7000',
    // Faults are ~15 % of calls; the quarantine (50 % by default) must not park the run's messages.
    QUARANTINE_FAILURE_PERCENT: '90',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  return {
    sqs,
    queues,
    simulators,
    handlerEnv,
    directEnv,
    async stop() {
      const step = async (what: string, run: () => Promise<void>) => {
        const t = Date.now();
        await run();
        if (Date.now() - t > 1000) console.error(`chaos: stopping ${what} took ${Date.now() - t} ms`);
      };
      for (const p of proxies) await step('a proxy', () => p.close());
      await step('simulators', () => simulators.close());
      sqs.destroy();
      dynamodb.destroy();
      await step('fauxqs', () => mq.stop());
      await step('dynalite', () => db.close());
    },
  };
}
