import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { OPERATIONS_PARTITION_PREFIX } from '../../shared/ledger/table.ts';
import type { LedgerTable } from './ledger-table.ts';
import { ProvisioningFunction } from './provisioning-function.ts';
import { scheduleFunction } from './schedule.ts';

const SWEEP_ENTRY = fileURLToPath(new URL('../../functions/sweep-expired-accounts.ts', import.meta.url));

/** A grace in days, or `never`. */
export type GraceDays = number | 'never';

/** Settings of the {@link ExpirySweep}. */
export interface ExpirySweepProps {
  readonly ledger: LedgerTable;
  readonly queue: sqs.IQueue;
  readonly queueKey: kms.IKey;
  /** An EventBridge Scheduler expression (`rate(1 hour)`, `cron(…)`). */
  readonly schedule: string;
  /** Days after expiry before closing, for every platform… */
  readonly graceDays: GraceDays;
  /** …and per platform name, over it. */
  readonly graceDaysByPlatform: Readonly<Record<string, GraceDays>>;
  readonly guardMinimum: number;
  readonly guardPercent: number;
  readonly maxActionsPerRun: number;
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | undefined;
  readonly logRetention?: logs.RetentionDays | undefined;
  /** Encrypts the function's log group (see `ProvisioningFunctionProps.logEncryptionKey`). */
  readonly logEncryptionKey?: kms.IKey | undefined;
}

/**
 * The scheduled expiry sweep: its function, a role holding only what it uses (query the expiry and state
 * indexes, write operations events, send to the provisioning queue), and its EventBridge Scheduler schedule.
 */
export class ExpirySweep extends Construct {
  readonly function: ProvisioningFunction;
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: ExpirySweepProps) {
    super(scope, id);
    const grace = Object.fromEntries(
      Object.entries(props.graceDaysByPlatform).map(([name, days]) => [
        `SWEEP_GRACE_DAYS_${name.toUpperCase()}`,
        String(days),
      ]),
    );
    this.function = new ProvisioningFunction(this, 'Function', {
      entry: SWEEP_ENTRY,
      description: 'Suspends, then closes, accounts whose time has expired, through the provisioning queue',
      roleDescription: 'Expiry sweep',
      timeout: Duration.minutes(5),
      memorySize: 256,
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      logEncryptionKey: props.logEncryptionKey,
      environment: {
        LEDGER_TABLE_NAME: props.ledger.table.tableName,
        QUEUE_URL: props.queue.queueUrl,
        SWEEP_GRACE_DAYS: String(props.graceDays),
        SWEEP_GUARD_MINIMUM: String(props.guardMinimum),
        SWEEP_GUARD_PERCENT: String(props.guardPercent),
        SWEEP_MAX_ACTIONS: String(props.maxActionsPerRun),
        ...grace,
      },
    });
    const role = this.function.role;
    props.ledger.grantIndexQuery(role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LedgerRecordOperations',
        actions: ['dynamodb:PutItem'],
        resources: [props.ledger.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${OPERATIONS_PARTITION_PREFIX}*`] },
        },
      }),
    );
    // Explicit rather than grantSendMessages, whose KMS grant uses wildcard actions.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SendSweepRequests',
        actions: ['sqs:SendMessage'],
        resources: [props.queue.queueArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptSweepRequests',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [props.queueKey.keyArn],
      }),
    );
    this.schedule = scheduleFunction(
      this,
      this.function.function,
      scheduler.ScheduleExpression.expression(props.schedule),
      'expiry sweep',
    );
  }
}
