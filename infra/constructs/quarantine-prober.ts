import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { QUARANTINE_PARTITION_PREFIX } from '../../shared/ledger/table.ts';
import type { LedgerTable } from './ledger-table.ts';
import type { PlatformSecrets } from './platform-secret.ts';
import { ProvisioningFunction } from './provisioning-function.ts';
import { scheduleFunction } from './schedule.ts';

const PROBE_ENTRY = fileURLToPath(new URL('../../functions/probe-quarantined-platforms.ts', import.meta.url));

/** Settings of the {@link QuarantineProber}. */
export interface QuarantineProberProps {
  readonly ledger: LedgerTable;
  readonly queue: sqs.IQueue;
  /** The vendor secrets it reads (one variable and one grant per platform). */
  readonly platformSecrets: PlatformSecrets;
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | undefined;
  readonly logRetention?: logs.RetentionDays | undefined;
  /** Encrypts the function's log group (see `ProvisioningFunctionProps.logEncryptionKey`). */
  readonly logEncryptionKey?: kms.IKey | undefined;
}

/**
 * The quarantine prober: every minute it probes each quarantined platform whose cool-down is over (one read)
 * and releases the messages parked meanwhile. Its role may only touch quarantine items, change message
 * visibility on the queue, and read the platform secrets.
 */
export class QuarantineProber extends Construct {
  readonly function: ProvisioningFunction;

  constructor(scope: Construct, id: string, props: QuarantineProberProps) {
    super(scope, id);
    this.function = new ProvisioningFunction(this, 'Function', {
      entry: PROBE_ENTRY,
      description: 'Probes quarantined platforms and releases the requests parked while they were down',
      roleDescription: 'Quarantine prober',
      timeout: Duration.minutes(1),
      memorySize: 256,
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      logEncryptionKey: props.logEncryptionKey,
      environment: {
        LEDGER_TABLE_NAME: props.ledger.table.tableName,
        QUEUE_URL: props.queue.queueUrl,
        ...props.platformSecrets.environment(),
      },
    });
    const role = this.function.role;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LedgerQuarantineItems',
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
        resources: [props.ledger.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${QUARANTINE_PARTITION_PREFIX}*`] },
        },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReleaseParkedRequests',
        actions: ['sqs:ChangeMessageVisibility'],
        resources: [props.queue.queueArn],
      }),
    );
    // It calls the platforms: its calls draw on the same rate budgets as the handler's.
    props.ledger.grantRateBudget(role);
    props.platformSecrets.grantRead(role);

    scheduleFunction(
      this,
      this.function.function,
      scheduler.ScheduleExpression.rate(Duration.minutes(1)),
      'quarantine prober',
    );
  }
}
