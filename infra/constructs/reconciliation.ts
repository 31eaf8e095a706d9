import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { DRIFT_PARTITION_PREFIX } from '../../shared/ledger/table.ts';
import type { LedgerTable } from './ledger-table.ts';
import type { PlatformSecrets } from './platform-secret.ts';
import { ProvisioningFunction } from './provisioning-function.ts';
import { scheduleFunction } from './schedule.ts';

const RECONCILE_ENTRY = fileURLToPath(new URL('../../functions/reconcile-accounts.ts', import.meta.url));

/** Settings of the {@link Reconciliation}. */
export interface ReconciliationProps {
  readonly ledger: LedgerTable;
  /** The vendor secrets it reads (one variable and one grant per platform). */
  readonly platformSecrets: PlatformSecrets;
  /** An EventBridge Scheduler expression. */
  readonly schedule: string;
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | undefined;
  readonly logRetention?: logs.RetentionDays | undefined;
  /** Encrypts the function's log group (see `ProvisioningFunctionProps.logEncryptionKey`). */
  readonly logEncryptionKey?: kms.IKey | undefined;
}

/**
 * The scheduled reconciliation: its function, a role that may list accounts, keep its drift records and
 * read the platform secrets (it never writes an account: repairs are an operator's, from the CLI), and its
 * schedule.
 */
export class Reconciliation extends Construct {
  readonly function: ProvisioningFunction;
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: ReconciliationProps) {
    super(scope, id);
    this.function = new ProvisioningFunction(this, 'Function', {
      entry: RECONCILE_ENTRY,
      description: 'Compares the platforms with the ledger and reports drift; changes nothing',
      roleDescription: 'Reconciliation',
      // Listing every sub-account pages the platforms within their rate limits.
      timeout: Duration.minutes(15),
      memorySize: 512,
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      logEncryptionKey: props.logEncryptionKey,
      environment: {
        LEDGER_TABLE_NAME: props.ledger.table.tableName,
        ...props.platformSecrets.environment(),
      },
    });
    const role = this.function.role;
    props.ledger.grantIndexQuery(role);
    props.ledger.grantAccountRead(role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LedgerDriftRecords',
        actions: ['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
        resources: [props.ledger.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${DRIFT_PARTITION_PREFIX}*`] },
        },
      }),
    );
    // It calls the platforms: its calls draw on the same rate budgets as the handler's.
    props.ledger.grantRateBudget(role);
    props.platformSecrets.grantRead(role);

    this.schedule = scheduleFunction(
      this,
      this.function.function,
      scheduler.ScheduleExpression.expression(props.schedule),
      'reconciliation',
    );
  }
}
