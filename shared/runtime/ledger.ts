import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsClientOptions } from '../aws/local.ts';
import type { BaseConfig } from '../config.ts';
import { createDynamoDbLedger } from '../ledger/index.ts';
import { platformNames } from '../platforms/registry.ts';
import type { Ledger } from '../ports/ledger.ts';

/** The ledger on DynamoDB (dynalite locally), with its client. Build once per execution environment. */
export function buildLedger(runtime: BaseConfig): {
  readonly ledger: Ledger;
  readonly dynamodb: DynamoDBClient;
} {
  const dynamodb = new DynamoDBClient(awsClientOptions(runtime.region, runtime.dynamodbEndpoint));
  const ledger = createDynamoDbLedger({
    client: dynamodb,
    tableName: runtime.tableName,
    platforms: platformNames,
    rejectionTtlDays: runtime.rejectionTtlDays,
  });
  return { dynamodb, ledger };
}
