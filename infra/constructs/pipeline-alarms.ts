import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { serviceMetric } from './provisioning-function.ts';
import type { QueueWithDlq } from './queue-with-dlq.ts';

/** What {@link PipelineAlarms} watches. */
export interface PipelineAlarmsProps {
  /** The queues the handler consumes: alarmed on the age of the oldest request and on any dead letter. */
  readonly queues: QueueWithDlq;
  /** The handler; alarmed on failed invocations. */
  readonly handler: lambda.IFunction;
  /** Age of the oldest queued request that raises the backlog alarm. */
  readonly backlogAgeThreshold: Duration;
}

/**
 * Settings of an alarm on the pipeline's topic: those of a CloudWatch alarm, where `threshold` defaults to 0
 * and `evaluationPeriods` to 1, the comparison to "greater than" and missing data to "not breaching".
 */
export type PipelineAlarmProps = Omit<cloudwatch.AlarmProps, 'threshold' | 'evaluationPeriods'> & {
  readonly threshold?: number | undefined;
  readonly evaluationPeriods?: number | undefined;
};

/**
 * The pipeline's alarms and the encrypted, TLS-only SNS topic they notify (`{id}Topic`, with its key
 * `{id}TopicKey`): a dead letter, a failed handler invocation, an old backlog, a request the vendors refused.
 * {@link addAlarm} adds more alarms to the same topic.
 *
 * The resources are created in `scope`, beside this construct rather than under it, so that they keep the
 * logical IDs and construct paths they had before this construct existed.
 */
export class PipelineAlarms extends Construct {
  /** Where the alarms go; operators subscribe here. */
  readonly topic: sns.Topic;
  private readonly resourceScope: Construct;
  private readonly notify: SnsAction;

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    this.resourceScope = scope;
    const { account, partition, region } = Stack.of(scope);
    const { queues } = props;

    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, whose policy cannot be
    // changed; this key lets CloudWatch alarms of this account, and nobody else's, encrypt notifications.
    const key = new kms.Key(scope, `${id}TopicKey`, {
      description: 'Encrypts provisioning pipeline alarm notifications',
      enableKeyRotation: true,
    });
    const cloudWatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );

    this.topic = new sns.Topic(scope, `${id}Topic`, {
      displayName: 'Provisioning pipeline alarms',
      masterKey: key,
      enforceSSL: true,
    });
    // enforceSSL gives the topic an explicit policy, which replaces SNS's default one: allow the alarms back in.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
        },
      }),
    );
    this.notify = new SnsAction(this.topic);

    this.addAlarm('DeadLetterQueueNotEmptyAlarm', {
      alarmDescription: `Provisioning requests failed ${queues.maxReceiveCount} deliveries and wait in ${queues.deadLetterQueueName}: inspect, fix, redrive.`,
      metric: queues.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
    });

    // The depth alarm clears when dead letters expire (14 days), which is when they are lost: this one
    // fires while a week of that time remains, and stays on until someone redrives or removes them.
    this.addAlarm('DeadLetterQueueAgeAlarm', {
      alarmDescription: `A provisioning request has waited in ${queues.deadLetterQueueName} for over 7 days; it is deleted after 14. Run \`provisioner redrive\`.`,
      metric: queues.deadLetterQueue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(15),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: Duration.days(7).toSeconds(),
    });

    // Per-request failures are reported as batch item failures, so Errors counts whole invocations that
    // failed: a broken deployment, bad configuration, a timeout.
    this.addAlarm('HandlerErrorsAlarm', {
      alarmDescription: 'Provisioning handler invocations failed (configuration, permissions, timeouts).',
      metric: props.handler.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
    });

    // Retries back off for at most RETRY_MAX_SECONDS each, so an old message means the pipeline is stuck
    // (throttled, a vendor down for long), not merely retrying.
    this.addAlarm('QueueBacklogAgeAlarm', {
      alarmDescription: `The oldest provisioning request has waited more than ${props.backlogAgeThreshold.toMinutes()} minutes.`,
      metric: queues.queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: props.backlogAgeThreshold.toSeconds(),
    });

    // Requests the platforms refused for good are acknowledged, not dead-lettered: without this alarm a
    // rotated vendor credential or a master account in arrears would fail every request silently.
    this.addAlarm('RequestsFailedAlarm', {
      alarmDescription:
        'Provisioning requests failed permanently (vendor refused: credentials, account state, parameters). See `provisioner status`.',
      // The handler's own metric (Powertools: the functions' namespace, dimension service).
      metric: serviceMetric('requests_failed', Duration.minutes(5), cloudwatch.Stats.SUM),
    });
  }

  /**
   * Adds an alarm (construct `id`, created beside the others) that notifies the topic when it fires and when
   * it clears.
   */
  addAlarm(id: string, props: PipelineAlarmProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this.resourceScope, id, {
      ...props,
      threshold: props.threshold ?? 0,
      comparisonOperator: props.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: props.evaluationPeriods ?? 1,
      treatMissingData: props.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.notify);
    alarm.addOkAction(this.notify);
    return alarm;
  }
}
