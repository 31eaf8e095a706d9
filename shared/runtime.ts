import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { awsClientOptions } from './aws/local.ts';
import {
  ConfigurationError,
  type Environment,
  loadBaijiayunConfig,
  loadCloopenConfig,
  loadRuntimeConfig,
  type RuntimeConfig,
} from './config.ts';
import { createKmsCipher, createLocalCipher } from './crypto/index.ts';
import { ProvisioningError } from './domain/errors.ts';
import type { ProvisioningDependencies } from './domain/process-request.ts';
import { createDynamoDbLedger } from './ledger/index.ts';
import { createBaijiayunClient } from './platforms/baijiayun/index.ts';
import { createCloopenClient } from './platforms/cloopen/index.ts';
import type { CredentialCipher } from './ports/cipher.ts';
import type { Platform, PlatformName, Platforms } from './ports/platform.ts';

/**
 * The composition root: turns configuration into the live objects the handler and the local stack use.
 * It is the only place that knows which implementation sits behind each port.
 */
export interface RuntimeDependencies {
  readonly runtime: RuntimeConfig;
  readonly provisioning: ProvisioningDependencies;
  readonly sqs: SQSClient;
}

/**
 * Stands in for a platform whose settings are absent, so a deployment that uses one vendor does not need
 * the other's. Its failures are retryable: the requests wait in the queue (then the DLQ) until someone
 * configures the platform and redrives them, instead of being dropped.
 */
function unconfiguredPlatform<C, U>(name: PlatformName, problem: ConfigurationError): Platform<C, U> {
  const fail = async (): Promise<never> => {
    throw new ProvisioningError(`${name} is not configured: ${problem.message}`, {
      reason: 'platform-not-configured',
      retryable: true,
      cause: problem,
    });
  };
  return {
    name,
    supports: new Set(),
    create: fail,
    findByNaturalKey: fail,
    findExisting: fail,
    get: fail,
    list: () => ({
      [Symbol.asyncIterator]: () => ({ next: fail }),
    }),
    suspend: fail,
    resume: fail,
    close: fail,
    update: fail,
    masterAccountInfo: fail,
  };
}

function orUnconfigured<C, U>(name: PlatformName, build: () => Platform<C, U>): Platform<C, U> {
  try {
    return build();
  } catch (error) {
    if (error instanceof ConfigurationError) return unconfiguredPlatform(name, error);
    throw error;
  }
}

/** Both platform clients from `CLOOPEN_*` / `BAIJIAYUN_*` settings; an unconfigured one fails retryably. */
export function buildPlatforms(env: Environment): Platforms {
  return {
    cloopen: orUnconfigured('cloopen', () => createCloopenClient(loadCloopenConfig(env))),
    baijiayun: orUnconfigured('baijiayun', () => createBaijiayunClient(loadBaijiayunConfig(env))),
  };
}

function buildCipher(runtime: RuntimeConfig): CredentialCipher {
  const key = runtime.credentialsKey;
  if (key.kind === 'kms')
    return createKmsCipher({ client: new KMSClient({ region: runtime.region }), keyId: key.keyId });
  return createLocalCipher({ keyId: key.keyId, key: Buffer.from(key.key.reveal(), 'base64') });
}

/** Reads the vendor settings from Secrets Manager when a secret is configured, over the environment. */
async function vendorEnvironment(env: Environment, runtime: RuntimeConfig): Promise<Environment> {
  if (runtime.vendorSecretArn === undefined) return env;
  let values: Record<string, string> | undefined;
  try {
    values = await getSecret<Record<string, string>>(runtime.vendorSecretArn, {
      transform: 'json',
      maxAge: 300,
    });
  } catch (error) {
    // A JSON parse error quotes the secret's text: name the failure, never pass its message on.
    const name = error instanceof Error ? error.name : 'error';
    throw new ConfigurationError(`VENDOR_SECRET_ARN could not be read as a JSON secret (${name})`, [
      'VENDOR_SECRET_ARN',
    ]);
  }
  if (!values || typeof values !== 'object') {
    throw new ConfigurationError(
      'VENDOR_SECRET_ARN must name a JSON secret of CLOOPEN_* / BAIJIAYUN_* values',
      ['VENDOR_SECRET_ARN'],
    );
  }
  return { ...env, ...values };
}

/** Builds everything the provisioning handler needs from an environment. */
export async function buildRuntimeDependencies(env: Environment): Promise<RuntimeDependencies> {
  const runtime = loadRuntimeConfig(env);
  const dynamo = new DynamoDBClient(awsClientOptions(runtime.region, runtime.dynamodbEndpoint));
  const ledger = createDynamoDbLedger({
    client: dynamo,
    tableName: runtime.tableName,
  });
  return {
    runtime,
    sqs: new SQSClient(awsClientOptions(runtime.region, runtime.sqsEndpoint)),
    provisioning: {
      ledger,
      platforms: buildPlatforms(await vendorEnvironment(env, runtime)),
      cipher: buildCipher(runtime),
      settings: { defaultHorizonDays: runtime.defaultHorizonDays, maxReceiveCount: runtime.maxReceiveCount },
    },
  };
}
