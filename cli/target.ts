import { readFile } from 'node:fs/promises';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
} from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { awsClientOptions } from '../shared/aws/local.ts';
import type { CliConfig } from '../shared/config.ts';
import { type CredentialsReader, createCredentialsReader } from '../shared/credentials/index.ts';
import { createKmsCipher, createLocalCipher } from '../shared/crypto/index.ts';
import { createDynamoDbLedger } from '../shared/ledger/index.ts';
import { platformNames } from '../shared/platforms/registry.ts';
import type { CredentialCipher } from '../shared/ports/cipher.ts';
import type { Ledger } from '../shared/ports/ledger.ts';
import { AwsCredentialsError, PermissionDeniedError, TargetUnavailableError } from './errors.ts';
import { readLocalStack } from './local-stack-file.ts';

/** Where the pipeline commands send requests and read the ledger. */
export interface Target {
  readonly description: string;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** Where requests go after their last failed delivery. */
  readonly deadLetterQueueUrl: string;
  readonly ledger: Ledger;
  /** Where outcome events can be read: the local outcomes queue, or the deployed stack's example queue. */
  readonly outcomesQueueUrl?: string | undefined;
  /** The cipher that seals credentials in this ledger (`reconcile --repair` adopts with it). */
  cipher(): Promise<CredentialCipher>;
  /** Reads one account's unsealed credentials with the caller's own rights (`provisioner credentials`). */
  credentialsReader(): Promise<CredentialsReader>;
}

/** Output keys of the deployed stack (see `infra/`). */
export const STACK_OUTPUTS = {
  queueUrl: 'ProvisioningQueueUrl',
  tableName: 'LedgerTableName',
  deadLetterQueueUrl: 'DeadLetterQueueUrl',
  credentialsKeyArn: 'CredentialsKeyArn',
} as const;

/** The output naming the example outcomes queue (optional: stacks before outcome events lack it). */
export const OUTCOMES_QUEUE_OUTPUT = 'OutcomesExampleQueueUrl';

function ledgerFor(client: DynamoDBClient, tableName: string): Ledger {
  return createDynamoDbLedger({
    client,
    tableName,
    platforms: platformNames,
  });
}

/**
 * How long one EC2 instance-metadata request may take. On EC2 it answers within milliseconds; off AWS a
 * silent metadata address would otherwise cost the SDK's default second per request (token, then role)
 * before an operator without credentials learns so.
 */
export const INSTANCE_METADATA_TIMEOUT_MS = 250;

/** The chain's last word when no source had credentials: nothing an operator can act on, so left out. */
const NO_PROVIDER_MESSAGE = 'Could not load credentials from any providers';

/**
 * The SDK's own credential chain (environment, SSO, profiles, credential process, web identity, container
 * and instance metadata), with short instance-metadata timeouts. Resolved once before the first call, so
 * missing credentials are reported as such, naming the stack and the ways to supply them.
 */
async function operatorCredentials(
  stackName: string,
  region: string,
): Promise<ReturnType<typeof defaultProvider>> {
  const credentials = defaultProvider({ timeout: INSTANCE_METADATA_TIMEOUT_MS, maxRetries: 0 });
  try {
    await credentials();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new AwsCredentialsError(
      `No AWS credentials to reach stack ${stackName} in ${region}` +
        `${reason && !reason.startsWith(NO_PROVIDER_MESSAGE) ? ` (${reason})` : ''}. ` +
        'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN for temporary ones), ' +
        'or name a profile with AWS_PROFILE (for IAM Identity Center, run `aws sso login --profile NAME` first), ' +
        'or run where an IAM role applies',
      error,
    );
  }
  return credentials;
}

async function deployedTarget(stackName: string, region: string): Promise<Target> {
  const credentials = await operatorCredentials(stackName, region);
  const cloudFormation = new CloudFormationClient({ region, credentials });
  let answer: DescribeStacksCommandOutput;
  try {
    answer = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
  } catch (error) {
    if (error instanceof Error && /^AccessDenied/.test(error.name)) {
      throw new PermissionDeniedError(
        `Access denied: the CLI reads stack ${stackName}'s outputs and needs cloudformation:DescribeStacks on it`,
        error,
      );
    }
    throw error;
  }
  const outputs = new Map((answer.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  const queueUrl = outputs.get(STACK_OUTPUTS.queueUrl);
  const tableName = outputs.get(STACK_OUTPUTS.tableName);
  const deadLetterQueueUrl = outputs.get(STACK_OUTPUTS.deadLetterQueueUrl);
  const credentialsKeyArn = outputs.get(STACK_OUTPUTS.credentialsKeyArn);
  if (!queueUrl || !tableName || !deadLetterQueueUrl || !credentialsKeyArn) {
    throw new TargetUnavailableError(
      `Stack ${stackName} has no ${Object.values(STACK_OUTPUTS).join(' / ')} outputs: is it a provisioner stack?`,
    );
  }
  const dynamodb = new DynamoDBClient({ region, credentials });
  const cipher = async () =>
    createKmsCipher({ client: new KMSClient({ region, credentials }), keyId: credentialsKeyArn });
  return {
    description: `stack ${stackName} (${region})`,
    sqs: new SQSClient({ region, credentials }),
    queueUrl,
    deadLetterQueueUrl,
    outcomesQueueUrl: outputs.get(OUTCOMES_QUEUE_OUTPUT),
    ledger: ledgerFor(dynamodb, tableName),
    cipher,
    credentialsReader: async () => createCredentialsReader({ dynamodb, tableName, cipher: await cipher() }),
  };
}

/** The deployed stack named by `--stack` / `PROVISIONER_STACK`, else the local stack `npm start` runs. */
export async function resolveTarget(config: CliConfig): Promise<Target> {
  if (config.stackName) return deployedTarget(config.stackName, config.region);
  const local = await readLocalStack(config);
  if (!local) {
    throw new TargetUnavailableError(
      'No local stack is running: start one with `npm start` (or name a deployed one with --stack NAME)',
    );
  }
  const dynamodb = new DynamoDBClient(awsClientOptions(local.region, local.dynamodbEndpoint));
  const cipher = async (): Promise<CredentialCipher> => {
    if (!local.credentialsKeyFile) {
      throw new TargetUnavailableError(
        'The local stack names no credentials key file: restart it with `npm start`',
      );
    }
    const key = (await readFile(local.credentialsKeyFile, 'utf8')).trim();
    return createLocalCipher({ keyId: 'local', key: Buffer.from(key, 'base64') });
  };
  return {
    description: `local stack (pid ${local.pid})`,
    sqs: new SQSClient(awsClientOptions(local.region, local.sqsEndpoint)),
    queueUrl: local.queueUrl,
    deadLetterQueueUrl: local.dlqUrl,
    outcomesQueueUrl: local.outcomesQueueUrl,
    cipher,
    ledger: ledgerFor(dynamodb, local.tableName),
    credentialsReader: async () =>
      createCredentialsReader({ dynamodb, tableName: local.tableName, cipher: await cipher() }),
  };
}
