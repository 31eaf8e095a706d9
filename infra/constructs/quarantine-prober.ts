import { fileURLToPath } from 'node:url';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { QUARANTINE_PARTITION_PREFIX } from '../../shared/ledger/table.ts';
import type { LedgerTable } from './ledger-table.ts';
import { ProvisioningFunction } from './provisioning-function.ts';

const PROBE_ENTRY = fileURLToPath(new URL('../../functions/probe-quarantined-platforms.ts', import.meta.url));

/** Settings of the {@link QuarantineProber}. */
export interface QuarantineProberProps {
  readonly ledger: LedgerTable;
  readonly queue: sqs.IQueue;
  readonly platformSecret: secretsmanager.ISecret;
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | undefined;
  readonly logRetention?: logs.RetentionDays | undefined;
}

/**
 * The quarantine prober: every minute it probes each quarantined platform whose cool-down is over (one read)
 * and releases the messages parked meanwhile. Its role may only touch quarantine items, change message
 * visibility on the queue, and read the platform secret.
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
      environment: {
        LEDGER_TABLE_NAME: props.ledger.table.tableName,
        QUEUE_URL: props.queue.queueUrl,
        VENDOR_SECRET_ARN: props.platformSecret.secretArn,
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
    props.platformSecret.grantRead(role);

    const invoker = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
      description: 'Lets EventBridge Scheduler run the quarantine prober',
    });
    const fn = this.function.function.node.defaultChild as lambda.CfnFunction;
    Validations.of(invoker).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(fn)}.Arn>:*]`,
      reason:
        'EventBridge Scheduler’s Lambda target grants invoke on the prober function and its versions (ARN:*); no other function.',
    });
    new scheduler.Schedule(this, 'Schedule', {
      description: 'Runs the quarantine prober',
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(1)),
      target: new targets.LambdaInvoke(this.function.function, {
        role: invoker,
        input: scheduler.ScheduleTargetInput.fromObject({}),
        retryAttempts: 0,
      }),
    });
  }
}
