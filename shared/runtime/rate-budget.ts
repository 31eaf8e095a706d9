import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type BaseConfig, type Environment, loadRateBudgetConfig } from '../config.ts';
import { DynamoDbRateBudget } from '../ledger/rate-budget-store.ts';
import { type CapacityKind, LedgerTableClient } from '../ledger/table-client.ts';
import type { RateBudget } from '../ports/rate-budget.ts';

/**
 * The fleet-wide rate budget, in the ledger table: every execution environment of every function (and the
 * local stack's) books the same bucket items, so the platforms' limits hold for the fleet however many run.
 * Build once per execution environment, beside the ledger, on its DynamoDB client.
 */
export function buildRateBudget(
  env: Environment,
  base: Pick<BaseConfig, 'tableName'>,
  dynamodb: DynamoDBClient,
  onConsumedCapacity?: (units: number, operation: string, kind: CapacityKind) => void,
): RateBudget {
  const settings = loadRateBudgetConfig(env);
  const table = new LedgerTableClient({ client: dynamodb, tableName: base.tableName, onConsumedCapacity });
  return new DynamoDbRateBudget({ table, ...settings });
}
