import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CliConfig, Environment } from '../shared/config.ts';
import { createDynamoDbLedger } from '../shared/ledger/index.ts';
import type { Ledger } from '../shared/ports/ledger.ts';

/** Where the pipeline commands send requests and read the ledger. */
export interface Target {
  readonly description: string;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly ledger: Ledger;
}

/** What `npm start` writes for the CLI (see `local/stack.ts`). */
export interface LocalStackInfo {
  readonly pid: number;
  readonly region: string;
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly queueUrl: string;
  readonly tableName: string;
  /** The `CLOOPEN_*` / `BAIJIAYUN_*` settings of the simulators it runs. */
  readonly simulators?: Readonly<Record<string, string>> | undefined;
}

/** Output keys of the deployed stack (see `infra/`). */
export const STACK_OUTPUTS = { queueUrl: 'ProvisioningQueueUrl', tableName: 'LedgerTableName' } as const;

const DEFAULT_STATE_FILE = fileURLToPath(new URL('../.local/stack.json', import.meta.url));
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The running local stack's description, or `undefined` when none is running. */
export function readLocalStack(config: CliConfig): LocalStackInfo | undefined {
  const file = config.stateFile ?? DEFAULT_STATE_FILE;
  if (!existsSync(file)) return undefined;
  const info = JSON.parse(readFileSync(file, 'utf8')) as LocalStackInfo;
  return alive(info.pid) ? info : undefined;
}

function ledgerFor(client: DynamoDBClient, tableName: string): Ledger {
  return createDynamoDbLedger({
    client: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    tableName,
  });
}

async function deployedTarget(stackName: string, region: string): Promise<Target> {
  const cloudFormation = new CloudFormationClient({ region });
  const answer = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = new Map((answer.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  const queueUrl = outputs.get(STACK_OUTPUTS.queueUrl);
  const tableName = outputs.get(STACK_OUTPUTS.tableName);
  if (!queueUrl || !tableName) {
    throw new Error(
      `Stack ${stackName} has no ${STACK_OUTPUTS.queueUrl} / ${STACK_OUTPUTS.tableName} outputs: is it a provisioner stack?`,
    );
  }
  return {
    description: `stack ${stackName} (${region})`,
    sqs: new SQSClient({ region }),
    queueUrl,
    ledger: ledgerFor(new DynamoDBClient({ region }), tableName),
  };
}

/** The deployed stack named by `--stack` / `PROVISIONER_STACK`, else the local stack `npm start` runs. */
export async function resolveTarget(config: CliConfig): Promise<Target> {
  if (config.stackName) return deployedTarget(config.stackName, config.region);
  const local = readLocalStack(config);
  if (!local) {
    throw new Error('No local stack is running: start one with `npm start` (or name a deployed one with --stack NAME)');
  }
  return {
    description: `local stack (pid ${local.pid})`,
    sqs: new SQSClient({ region: local.region, endpoint: local.sqsEndpoint, credentials: LOCAL_CREDENTIALS }),
    queueUrl: local.queueUrl,
    ledger: ledgerFor(
      new DynamoDBClient({ region: local.region, endpoint: local.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS }),
      local.tableName,
    ),
  };
}

/**
 * The settings for `provisioner platform …`: the environment's own `CLOOPEN_*` / `BAIJIAYUN_*` win; for a
 * vendor with none set, the running local stack's simulators are used.
 */
export function platformEnvironment(env: Environment, config: CliConfig): Environment {
  const simulators = readLocalStack(config)?.simulators ?? {};
  const merged: Record<string, string | undefined> = {};
  for (const [prefix, required] of [
    ['CLOOPEN_', 'CLOOPEN_ACCOUNT_SID'],
    ['BAIJIAYUN_', 'BAIJIAYUN_PARTNER_ID'],
  ] as const) {
    if (env[required]) continue;
    for (const [k, v] of Object.entries(simulators)) if (k.startsWith(prefix)) merged[k] = v;
  }
  // Variables set in the environment (say CLOOPEN_FORMAT=xml) still apply on top of the simulators'.
  for (const [k, v] of Object.entries(env)) if (v) merged[k] = v;
  return merged;
}
