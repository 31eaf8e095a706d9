import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, Names, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { CREDENTIALS_READER_TAG_KEY } from '../shared/credentials/tag.ts';
import { DEFAULT_MAX_CONCURRENCY } from '../shared/lambda/event-source.ts';
import { platformModules, platformNames } from '../shared/platforms/registry.ts';
import { CredentialsReaderPolicy } from './constructs/credentials-reader-policy.ts';
import { CredentialsSealingKey } from './constructs/credentials-sealing-key.ts';
import { ExpirySweep, type GraceDays } from './constructs/expiry-sweep.ts';
import { LedgerTable } from './constructs/ledger-table.ts';
import { LogsEncryptionKey } from './constructs/logs-encryption-key.ts';
import { addOperationsAlarms } from './constructs/operations-alarms.ts';
import { OperationsDashboard } from './constructs/operations-dashboard.ts';
import { OutcomeEvents } from './constructs/outcome-events.ts';
import { PipelineAlarms } from './constructs/pipeline-alarms.ts';
import { PlatformSecrets } from './constructs/platform-secret.ts';
import { ProvisioningFunction } from './constructs/provisioning-function.ts';
import { QuarantineProber } from './constructs/quarantine-prober.ts';
import { QueueWithDlq } from './constructs/queue-with-dlq.ts';
import { Reconciliation } from './constructs/reconciliation.ts';
import { InfraConfigurationError } from './errors.ts';
import { PLATFORM_SECRETS } from './platform-settings.ts';

export { PLATFORM_SECRETS };

/** The provisioning queue's physical name (FIFO: one message group per account keeps each tenant in order). */
export const PROVISIONING_QUEUE_NAME = 'provisioning-requests.fifo';
/** Where a request lands after {@link ProvisionerStackProps.maxReceiveCount} failed deliveries. */
export const PROVISIONING_DLQ_NAME = 'provisioning-requests-dlq.fifo';

/**
 * The handler's timeout; the queue's visibility timeout is derived from it. A batch is up to ten requests,
 * each tenant's in order and different tenants' a few at once (`RECORD_CONCURRENCY`), and one request
 * against a slow vendor can take a lookup, a create and a read, each with its own timeout: the handler
 * starts a record only while {@link RECORD_TIME_BUDGET} is left.
 */
export const HANDLER_TIMEOUT = Duration.seconds(120);
/** The worst case of one request (see `RECORD_TIME_BUDGET_MS` in `shared/config.ts`). */
export const RECORD_TIME_BUDGET = Duration.seconds(45);

const HANDLER_ENTRY = fileURLToPath(
  new URL('../functions/process-provisioning-requests.ts', import.meta.url),
);

/** Tunables of {@link ProvisionerStack}; the defaults are the production values. */
export interface ProvisionerStackProps extends StackProps {
  /** Deliveries before a request moves to the DLQ; also the handler's `MAX_RECEIVE_COUNT`. Default 5. */
  readonly maxReceiveCount?: number | undefined;
  /** Retry backoff base, seconds (`RETRY_BASE_SECONDS`). Default 10. */
  readonly retryBaseSeconds?: number | undefined;
  /** Retry backoff cap, seconds (`RETRY_MAX_SECONDS`). Default 900. */
  readonly retryMaxSeconds?: number | undefined;
  /** Expiry horizon of accounts created without `expiresAt`, days (`DEFAULT_HORIZON_DAYS`). Default 365. */
  readonly defaultHorizonDays?: number | undefined;
  /**
   * Concurrent handler invocations the queue may drive (2-1000). Default `DEFAULT_MAX_CONCURRENCY` (2), as the
   * local poller's; rate budgets are fleet-wide, whatever it is.
   */
  readonly maxConcurrency?: number | undefined;
  /** `POWERTOOLS_LOG_LEVEL`. Default INFO. */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | undefined;
  /** Retention of the handler's logs. Default three months. */
  readonly logRetention?: logs.RetentionDays | undefined;
  /** Age of the oldest queued request that raises the backlog alarm. Default 15 minutes. */
  readonly backlogAgeThreshold?: Duration | undefined;
  /** The expiry sweep: its schedule, grace and guard (context `sweep`, see `infra/app.ts`). */
  readonly sweep?: SweepProps | undefined;
  /** The reconciliation: its schedule and balance alarms (context `reconcile`). */
  readonly reconcile?: ReconcileProps | undefined;
  /** An email address the alarm topic notifies (context `alarmEmail`); none by default. */
  readonly alarmEmail?: string | undefined;
  /**
   * An existing IAM role that may Decrypt with the credentials key besides the handler (context
   * `breakGlassRoleArn`); none by default.
   */
  readonly breakGlassRoleArn?: string | undefined;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** Tunables of the reconciliation. */
export interface ReconcileProps {
  /** EventBridge Scheduler expression. Default `rate(1 day)`. */
  readonly schedule?: string | undefined;
  /**
   * The master-account balance below which an alarm fires, per platform name; every platform that reports a
   * balance gets one (default 100).
   */
  readonly balanceThresholds?: Readonly<Record<string, number>> | undefined;
}

/** Tunables of the expiry sweep; the defaults are the production values. */
export interface SweepProps {
  /** EventBridge Scheduler expression. Default `rate(1 hour)`. */
  readonly schedule?: string | undefined;
  /** Days after `expiresAt` before closing, or `never`. Default 30. */
  readonly graceDays?: GraceDays | undefined;
  /** Per platform name, over {@link graceDays}. */
  readonly graceDaysByPlatform?: Readonly<Record<string, GraceDays>> | undefined;
  /** The guard trips above max(guardMinimum, guardPercent % of active accounts). Defaults 20 and 5. */
  readonly guardMinimum?: number | undefined;
  readonly guardPercent?: number | undefined;
  /** No run acts on more accounts than this. Default 500. */
  readonly maxActionsPerRun?: number | undefined;
}

function graceSetting(name: string, value: unknown): GraceDays {
  if (value === 'never') return 'never';
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 36_500) return value;
  throw new InfraConfigurationError(
    `${name} must be a number of days (0-36500) or "never", got ${JSON.stringify(value)}`,
    name,
  );
}

function integerSetting(name: string, value: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InfraConfigurationError(`${name} must be an integer from ${min} to ${max}, got ${value}`, name);
  }
  return value;
}

/**
 * The deployed provisioning pipeline: a FIFO queue (and its DLQ) feeding one Lambda that applies each request to
 * the vendor platforms and records it in the DynamoDB ledger, with vendor credentials in Secrets Manager,
 * sub-account credentials sealed by a dedicated KMS key, and alarms on an encrypted SNS topic.
 *
 * Queue names are physical ({@link PROVISIONING_QUEUE_NAME}), so deploy one such stack per account and region.
 *
 * After the first deploy, operators put each platform's settings into its own secret, named by the
 * `{Platform}SecretArn` output (a JSON object with the keys of its entry in {@link PLATFORM_SECRETS}), and
 * subscribe to the `AlarmTopicArn` topic. The secrets are created without a value, so no deploy writes one.
 * Producers need `sqs:SendMessage` on the queue and `kms:GenerateDataKey` + `kms:Decrypt` on `QueueKeyArn`.
 *
 * Data protection: credentials only the handler, a break-glass role and roles tagged as credentials readers
 * (with the `CredentialsReaderPolicyArn` policy) can open, the vendor secret and the
 * log groups under customer-managed keys, queues, secret, keys, table and logs retained on stack deletion.
 *
 * The constructs it composes create their resources directly in the stack, so the logical IDs are those of
 * the resources' own construct ids (`ProvisioningQueue`, `LedgerTable`, `HandlerRole`, ...).
 */
export class ProvisionerStack extends Stack {
  /** The FIFO queue producers send provisioning requests to. */
  readonly queue: sqs.Queue;
  /** Requests that failed {@link ProvisionerStackProps.maxReceiveCount} times. */
  readonly deadLetterQueue: sqs.Queue;
  /** The ledger of accounts and request histories. */
  readonly table: dynamodb.TableV2;
  /** The SQS-driven handler. */
  readonly handler: NodejsFunction;
  /** Seals sub-account credentials in the ledger. */
  readonly credentialsKey: kms.Key;
  /** One secret per platform, created empty (see `infra/constructs/platform-secret.ts`). */
  readonly platformSecrets: PlatformSecrets;
  /** Where alarms go. */
  readonly alarmTopic: sns.Topic;
  /** What a signup flow's role attaches (with the reader tag) to read credentials. */
  readonly credentialsReader: CredentialsReaderPolicy;
  /** The scheduled expiry sweep. */
  readonly sweep: ExpirySweep;
  /** The scheduled reconciliation. */
  readonly reconciliation: Reconciliation;
  /** The outcome events' bus, with the example signup-flow rule and queue. */
  readonly outcomes: OutcomeEvents;

  constructor(scope: Construct, id: string, props: ProvisionerStackProps = {}) {
    super(scope, id, props);

    const maxReceiveCount = integerSetting('maxReceiveCount', props.maxReceiveCount ?? 5, 1, 1000);
    const retryBaseSeconds = integerSetting('retryBaseSeconds', props.retryBaseSeconds ?? 10, 1, 43_200);
    const retryMaxSeconds = integerSetting(
      'retryMaxSeconds',
      props.retryMaxSeconds ?? 900,
      retryBaseSeconds,
      43_200,
    );
    const defaultHorizonDays = integerSetting('defaultHorizonDays', props.defaultHorizonDays ?? 365);
    const maxConcurrency = integerSetting(
      'maxConcurrency',
      props.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
      2,
      1000,
    );

    if (props.breakGlassRoleArn !== undefined && !ROLE_ARN.test(props.breakGlassRoleArn)) {
      throw new InfraConfigurationError(
        `breakGlassRoleArn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got ${props.breakGlassRoleArn}`,
        'breakGlassRoleArn',
      );
    }
    // Readers are tagged with this stack's name, so a role reading one stack's credentials reads no other's.
    const readerTag = { key: CREDENTIALS_READER_TAG_KEY, value: this.stackName };
    const credentials = new CredentialsSealingKey(this, 'Credentials', {
      breakGlassRoleArn: props.breakGlassRoleArn,
      readerTag,
    });
    const logsKey = new LogsEncryptionKey(this, 'Logs').key;
    this.credentialsKey = credentials.key;

    const queues = new QueueWithDlq(this, 'ProvisioningQueues', {
      queueName: PROVISIONING_QUEUE_NAME,
      deadLetterQueueName: PROVISIONING_DLQ_NAME,
      maxReceiveCount,
      // AWS's guidance for Lambda consumers: at least six times the function timeout, so the poller can retry
      // a throttled batch before its messages become visible (and count a receive) again.
      visibilityTimeout: Duration.seconds(HANDLER_TIMEOUT.toSeconds() * 6),
      keyDescription: 'Encrypts provisioning requests at rest in the provisioning queue and its DLQ',
      ids: { queue: 'ProvisioningQueue', deadLetterQueue: 'DeadLetterQueue', key: 'QueueKey' },
    });
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;

    const ledger = new LedgerTable(this, 'Ledger');
    this.table = ledger.table;
    this.credentialsReader = new CredentialsReaderPolicy(this, 'CredentialsReader', {
      ledger,
      credentials,
      readerTag,
    });

    // A customer-managed key, so reading the vendor credentials takes a grant on it besides Secrets Manager
    // rights, and every read is in CloudTrail under this key.
    const secretKey = new kms.Key(this, 'VendorSecretKey', {
      description: 'Encrypts the vendor API settings secrets of the provisioning pipeline',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });
    this.platformSecrets = new PlatformSecrets(this, 'Vendor', {
      platforms: PLATFORM_SECRETS,
      encryptionKey: secretKey,
    });

    this.outcomes = new OutcomeEvents(this, 'Outcomes');

    const handler = new ProvisioningFunction(this, 'Handler', {
      functionId: 'ProcessProvisioningRequests',
      entry: HANDLER_ENTRY,
      description: 'Applies provisioning requests from the FIFO queue to the vendor platforms and the ledger',
      roleDescription: 'Provisioning request handler',
      timeout: HANDLER_TIMEOUT,
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      logEncryptionKey: logsKey,
      environment: {
        LEDGER_TABLE_NAME: this.table.tableName,
        QUEUE_URL: this.queue.queueUrl,
        CREDENTIALS_KMS_KEY_ID: this.credentialsKey.keyArn,
        ...this.platformSecrets.environment(),
        MAX_RECEIVE_COUNT: String(maxReceiveCount),
        RETRY_BASE_SECONDS: String(retryBaseSeconds),
        RETRY_MAX_SECONDS: String(retryMaxSeconds),
        DEFAULT_HORIZON_DAYS: String(defaultHorizonDays),
        RECORD_TIME_BUDGET_MS: String(RECORD_TIME_BUDGET.toMilliseconds()),
        OUTCOME_BUS_NAME: this.outcomes.bus.eventBusName,
      },
    });
    this.handler = handler.function;

    // The mapping SqsEventSource would make (same construct id, so the same logical ID), without its
    // grantConsumeMessages, which adds sqs:GetQueueUrl: queues.grantConsume grants what the poller and the
    // handler use (Receive, Delete, ChangeMessageVisibility for the retry backoff, GetQueueAttributes) and
    // kms:Decrypt on the queue key.
    const mapping = this.handler.addEventSourceMapping(
      `SqsEventSource:${Names.nodeUniqueId(this.queue.node)}`,
      {
        eventSourceArn: this.queue.queueArn,
        batchSize: 10,
        // Partial batch responses: a failed request (and, FIFO, the rest of its group) is retried alone.
        reportBatchItemFailures: true,
        maxConcurrency,
      },
    );
    queues.grantConsume(handler.role);
    Validations.of(mapping).acknowledge({
      id: 'Serverless::Serverless-LambdaEventSourceMappingDestination',
      reason: `Lambda offers on-failure destinations for stream and Kafka event sources, not for SQS: a request that keeps failing moves to ${PROVISIONING_DLQ_NAME} after maxReceiveCount receives, which the stack alarms on.`,
    });
    Validations.of(this.handler).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason: `Only the SQS event source mapping invokes the handler, synchronously, and a function dead-letter queue catches asynchronous invocations only; requests that keep failing move to ${PROVISIONING_DLQ_NAME}.`,
    });
    // Least privilege for the ledger: the handler reads, creates and updates items of the base table by key.
    // It never queries or scans, the state index serves only the CLI, and it deletes nothing but its own
    // natural-key claims (a Baijiayun mobile change gives the old mobile up) and its own parkings.
    ledger.grantItemReadWrite(handler.role);
    ledger.grantClaimRelease(handler.role);
    ledger.grantUnpark(handler.role);
    credentials.grantSealAndOpen(handler.role);
    this.platformSecrets.grantRead(handler.role);
    this.outcomes.grantPublish(handler.role);

    const alarms = new PipelineAlarms(this, 'Alarm', {
      queues,
      handler: this.handler,
      backlogAgeThreshold: props.backlogAgeThreshold ?? Duration.minutes(15),
    });
    this.alarmTopic = alarms.topic;

    const sweep = props.sweep ?? {};
    const byPlatform = sweep.graceDaysByPlatform ?? {};
    for (const name of Object.keys(byPlatform)) {
      if (!platformNames.includes(name)) {
        throw new InfraConfigurationError(`sweep.graceDaysByPlatform names no platform: ${name}`, 'sweep');
      }
    }
    this.sweep = new ExpirySweep(this, 'ExpirySweep', {
      ledger,
      queue: this.queue,
      queueKey: queues.key,
      schedule: sweep.schedule ?? 'rate(1 hour)',
      graceDays: graceSetting('sweep.graceDays', sweep.graceDays ?? 30),
      graceDaysByPlatform: Object.fromEntries(
        Object.entries(byPlatform).map(([name, days]) => [
          name,
          graceSetting(`sweep.graceDaysByPlatform.${name}`, days),
        ]),
      ),
      guardMinimum: integerSetting('sweep.guardMinimum', sweep.guardMinimum ?? 20, 0),
      guardPercent: integerSetting('sweep.guardPercent', sweep.guardPercent ?? 5, 0, 100),
      maxActionsPerRun: integerSetting('sweep.maxActionsPerRun', sweep.maxActionsPerRun ?? 500, 1),
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      logEncryptionKey: logsKey,
    });

    const reconcile = props.reconcile ?? {};
    for (const name of Object.keys(reconcile.balanceThresholds ?? {})) {
      if (!platformModules.some((p) => p.name === name && p.reportsBalance)) {
        throw new InfraConfigurationError(
          `reconcile.balanceThresholds names no platform that reports a balance: ${name}`,
          'reconcile',
        );
      }
    }
    this.reconciliation = new Reconciliation(this, 'Reconciliation', {
      ledger,
      platformSecrets: this.platformSecrets,
      schedule: reconcile.schedule ?? 'rate(1 day)',
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      logEncryptionKey: logsKey,
    });

    const prober = new QuarantineProber(this, 'QuarantineProber', {
      ledger,
      queue: this.queue,
      platformSecrets: this.platformSecrets,
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      logEncryptionKey: logsKey,
    });
    addOperationsAlarms(alarms, {
      balanceThresholds: reconcile.balanceThresholds ?? {},
      functions: [
        ['Handler', this.handler],
        ['Sweep', this.sweep.function.function],
        ['Reconcile', this.reconciliation.function.function],
        ['Prober', prober.function.function],
      ],
    });
    if (props.alarmEmail !== undefined) {
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.alarmEmail)) {
        throw new InfraConfigurationError(
          `alarmEmail must be an email address, got ${props.alarmEmail}`,
          'alarmEmail',
        );
      }
      const subscription = this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
      Validations.of(subscription).acknowledge({
        id: 'Serverless::Serverless-SNSRedrivePolicy',
        reason:
          'An alarm notification that cannot be mailed loses nothing: the alarm stays in its state in CloudWatch and on the Operations dashboard, and a dead-letter queue of undelivered alarm mails would be a second inbox nobody reads.',
      });
    }
    new OperationsDashboard(this, 'Operations', {
      queues,
      handler: this.handler,
      sweep: this.sweep.function.function,
      reconcile: this.reconciliation.function.function,
    });

    this.exportOutputs(queues.key);
  }

  /** The outputs operators and the CLI (`cli/target.ts`) read. */
  private exportOutputs(queueKey: kms.IKey): void {
    const outputs: [id: string, description: string, value: string][] = [
      [
        'ProvisioningQueueUrl',
        'Send provisioning requests here (FIFO: set MessageGroupId and MessageDeduplicationId)',
        this.queue.queueUrl,
      ],
      ['LedgerTableName', 'The provisioning ledger', this.table.tableName],
      [
        'DeadLetterQueueUrl',
        'Requests that exhausted their deliveries; inspect, then redrive to the provisioning queue',
        this.deadLetterQueue.queueUrl,
      ],
      ...this.platformSecrets.entries.map(({ spec, secret }): [string, string, string] => [
        spec.outputId,
        `Put the ${spec.title} settings here after the first deploy (a JSON object with ${spec.keys.join(', ')})`,
        secret.secretArn,
      ]),
      [
        'QueueKeyArn',
        'Producers need kms:GenerateDataKey and kms:Decrypt on this key to send requests',
        queueKey.keyArn,
      ],
      ['AlarmTopicArn', 'Subscribe operators to the pipeline alarms here', this.alarmTopic.topicArn],
      [
        'OutcomeBusName',
        'Outcome events of concluded requests are put on this EventBridge bus',
        this.outcomes.bus.eventBusName,
      ],
      ['OutcomeBusArn', 'Target rules at this bus to receive outcome events', this.outcomes.bus.eventBusArn],
      [
        'OutcomesExampleQueueUrl',
        'Example: every outcome event, for a signup flow (`provisioner outcomes --stack` reads it)',
        this.outcomes.exampleQueue.queueUrl,
      ],
      [
        'CredentialsKeyArn',
        'Seals sub-account credentials; `provisioner reconcile --repair` needs kms:Encrypt on it (platform and tenant context)',
        this.credentialsKey.keyArn,
      ],
      [
        'CredentialsReaderPolicyArn',
        `A signup flow's role reads credentials with this managed policy and the tag ${this.credentialsReader.readerTag.key}=${this.credentialsReader.readerTag.value}`,
        this.credentialsReader.policy.managedPolicyArn,
      ],
      [
        'CredentialsReaderTagKey',
        'The principal tag key a credentials reader role carries',
        this.credentialsReader.readerTag.key,
      ],
      [
        'CredentialsReaderTagValue',
        'The value of that tag: this stack name',
        this.credentialsReader.readerTag.value,
      ],
    ];
    for (const [id, description, value] of outputs) new CfnOutput(this, id, { description, value });
  }
}
