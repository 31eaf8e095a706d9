import { fileURLToPath } from 'node:url';
import {
  CfnOutput,
  Duration,
  RemovalPolicy,
  SecretValue,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  LEDGER_STATE_INDEX,
  LEDGER_TABLE_KEYS,
  NATURAL_KEY_PARTITION_PREFIX,
} from '../shared/ledger/table.ts';
import { PLATFORM_NAMES } from '../shared/ports/platform.ts';
import { InfraConfigurationError } from './errors.ts';

/** The provisioning queue's physical name (FIFO: one message group per account keeps each tenant in order). */
export const PROVISIONING_QUEUE_NAME = 'provisioning-requests.fifo';
/** Where a request lands after {@link ProvisionerStackProps.maxReceiveCount} failed deliveries. */
export const PROVISIONING_DLQ_NAME = 'provisioning-requests-dlq.fifo';

/**
 * The handler's timeout; the queue's visibility timeout is derived from it. A batch is up to ten requests
 * handled in order, and one request against a slow vendor can take a lookup, a create and a read, each
 * with its own timeout: the handler starts a record only while {@link RECORD_TIME_BUDGET} is left.
 */
export const HANDLER_TIMEOUT = Duration.seconds(120);
/** The worst case of one request (see `RECORD_TIME_BUDGET_MS` in `shared/config.ts`). */
export const RECORD_TIME_BUDGET = Duration.seconds(45);

/**
 * Vendor settings the operators fill in after the first deploy (see {@link ProvisionerStack}). The keys are the
 * variables `loadCloopenConfig` / `loadBaijiayunConfig` read; an empty value counts as unset, so a platform left
 * empty is reported as not configured and its requests wait (retryably) instead of being dropped.
 */
export const VENDOR_SECRET_KEYS = [
  'CLOOPEN_BASE_URL',
  'CLOOPEN_ACCOUNT_SID',
  'CLOOPEN_AUTH_TOKEN',
  'CLOOPEN_APP_ID',
  'BAIJIAYUN_BASE_URL',
  'BAIJIAYUN_PARTNER_ID',
  'BAIJIAYUN_PARTNER_KEY',
  'BAIJIAYUN_RATE_LIMIT_REQUESTS',
] as const;

/** Baijiayun's documented budget: requests per 10 s per partner and calling IP. */
const BAIJIAYUN_REQUESTS_PER_WINDOW = 200;
/** What the CLI and ad-hoc sweeps may use of that budget while the pipeline runs. */
const BAIJIAYUN_RESERVED_FOR_OPERATORS = 20;

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const HANDLER_ENTRY = fileURLToPath(
  new URL('../functions/process-provisioning-requests.ts', import.meta.url),
);
const LOCK_FILE = fileURLToPath(new URL('../package-lock.json', import.meta.url));

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
  /** Concurrent handler invocations the queue may drive (2-1000). Default 2; see the Baijiayun budget below. */
  readonly maxConcurrency?: number | undefined;
  /** `POWERTOOLS_LOG_LEVEL`. Default INFO. */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | undefined;
  /** Retention of the handler's logs. Default three months. */
  readonly logRetention?: logs.RetentionDays | undefined;
  /** Age of the oldest queued request that raises the backlog alarm. Default 15 minutes. */
  readonly backlogAgeThreshold?: Duration | undefined;
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
 * After the first deploy, operators put the vendor settings into the secret named by the `VendorSecretArn`
 * output (a JSON object with the keys of {@link VENDOR_SECRET_KEYS}), and subscribe to the `AlarmTopicArn` topic.
 * Producers need `sqs:SendMessage` on the queue and `kms:GenerateDataKey` + `kms:Decrypt` on `QueueKeyArn`.
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
  /** The vendor settings (`CLOOPEN_*`, `BAIJIAYUN_*`). */
  readonly vendorSecret: secretsmanager.Secret;
  /** Where alarms go. */
  readonly alarmTopic: sns.Topic;

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
    const maxConcurrency = integerSetting('maxConcurrency', props.maxConcurrency ?? 2, 2, 1000);

    // A key of its own, so reading the ledger (the CLI, a table export, a PITR restore) never reveals
    // credentials: opening them takes kms:Decrypt on this key, with the account's platform and tenant as
    // encryption context. Retained: deleting it would make every stored credential unreadable.
    this.credentialsKey = new kms.Key(this, 'CredentialsKey', {
      description: 'Seals vendor sub-account credentials stored in the provisioning ledger',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });

    // Customer-managed KMS rather than SQS-managed SSE: request bodies carry personal data (mobile, email)
    // and may carry an initial password, so reading them should need a key grant on top of SQS access, and
    // every decryption should be in CloudTrail. The cost is that producers need kms:GenerateDataKey on it.
    const queueKey = new kms.Key(this, 'QueueKey', {
      description: 'Encrypts provisioning requests at rest in the provisioning queue and its DLQ',
      enableKeyRotation: true,
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      queueName: PROVISIONING_DLQ_NAME,
      fifo: true,
      contentBasedDeduplication: false,
      // SQS's longest retention: a dead request is only useful while an operator can still inspect and redrive it.
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: queueKey,
      enforceSSL: true,
    });

    this.queue = new sqs.Queue(this, 'ProvisioningQueue', {
      queueName: PROVISIONING_QUEUE_NAME,
      fifo: true,
      // Producers set MessageDeduplicationId (a hash of platform, tenant and requestId): two requests with
      // equal bodies are still two.
      contentBasedDeduplication: false,
      // High-throughput FIFO: ordering and deduplication are only needed within an account's message group.
      deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      // AWS's guidance for Lambda consumers: at least six times the function timeout, so the poller can retry
      // a throttled batch before its messages become visible (and count a receive) again.
      visibilityTimeout: Duration.seconds(HANDLER_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: queueKey,
      enforceSSL: true,
    });

    this.table = new dynamodb.TableV2(this, 'LedgerTable', {
      partitionKey: { name: LEDGER_TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: LEDGER_TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          indexName: LEDGER_STATE_INDEX.indexName,
          partitionKey: { name: LEDGER_STATE_INDEX.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: LEDGER_STATE_INDEX.sortKey, type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.ALL,
        },
      ],
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // The AWS-managed key, not the credentials key: credentials are already sealed, and reading the rest
      // of the ledger (states, histories) must not require the right to open credentials.
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Each execution environment runs its own Baijiayun limiter, while the platform counts per partner and IP:
    // split the budget over the environments the queue may run at once.
    const baijiayunRequestsPerEnvironment = Math.max(
      1,
      Math.floor((BAIJIAYUN_REQUESTS_PER_WINDOW - BAIJIAYUN_RESERVED_FOR_OPERATORS) / maxConcurrency),
    );
    const placeholder: Record<string, string> = Object.fromEntries(
      VENDOR_SECRET_KEYS.map((key) => [key, '']),
    );
    placeholder.BAIJIAYUN_RATE_LIMIT_REQUESTS = String(baijiayunRequestsPerEnvironment);

    this.vendorSecret = new secretsmanager.Secret(this, 'VendorSecret', {
      description:
        'Vendor API settings of the provisioning pipeline: a JSON object of CLOOPEN_* / BAIJIAYUN_* values. ' +
        'Created with empty placeholders; operators fill in the values (empty means the platform is not configured).',
      // Placeholders only, no secret: CloudFormation writes this value once, at creation. Operators' values
      // survive later deploys as long as this template text does not change, so never edit it in place.
      secretStringValue: SecretValue.unsafePlainText(JSON.stringify(placeholder)),
    });

    const logGroup = new logs.LogGroup(this, 'HandlerLogs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // An explicit role instead of the AWSLambdaBasicExecutionRole managed policy: it may write to this one
    // log group only, and every other right below is granted on a named resource.
    const role = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Provisioning request handler',
    });
    logGroup.grantWrite(role);

    this.handler = new NodejsFunction(this, 'ProcessProvisioningRequests', {
      description: 'Applies provisioning requests from the FIFO queue to the vendor platforms and the ledger',
      entry: HANDLER_ENTRY,
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: LOCK_FILE,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: HANDLER_TIMEOUT,
      tracing: lambda.Tracing.ACTIVE,
      role,
      logGroup,
      environment: {
        LEDGER_TABLE_NAME: this.table.tableName,
        QUEUE_URL: this.queue.queueUrl,
        CREDENTIALS_KMS_KEY_ID: this.credentialsKey.keyArn,
        VENDOR_SECRET_ARN: this.vendorSecret.secretArn,
        MAX_RECEIVE_COUNT: String(maxReceiveCount),
        RETRY_BASE_SECONDS: String(retryBaseSeconds),
        RETRY_MAX_SECONDS: String(retryMaxSeconds),
        DEFAULT_HORIZON_DAYS: String(defaultHorizonDays),
        RECORD_TIME_BUDGET_MS: String(RECORD_TIME_BUDGET.toMilliseconds()),
        POWERTOOLS_SERVICE_NAME: 'provisioner',
        POWERTOOLS_METRICS_NAMESPACE: 'Provisioner',
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        // Stack traces point into the TypeScript sources instead of the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        // Bundled CommonJS dependencies call require() for Node built-ins, which ESM lacks.
        banner:
          "import { createRequire as __provisionerCreateRequire } from 'node:module'; const require = __provisionerCreateRequire(import.meta.url);",
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Bundle the AWS SDK too: the versions the tests ran against, not whichever the runtime ships.
        externalModules: [],
      },
    });

    this.handler.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        // Partial batch responses: a failed request (and, FIFO, the rest of its group) is retried alone.
        reportBatchItemFailures: true,
        maxConcurrency,
      }),
    );

    // Least privilege for the ledger: the handler reads, creates and updates items of the base table. It
    // never scans, the state index serves only the CLI, and it deletes nothing but its own natural-key
    // claims (a Baijiayun mobile change gives the old mobile up): histories are append-only.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LedgerReadWrite',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        resources: [this.table.tableArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LedgerReleaseClaims',
        actions: ['dynamodb:DeleteItem'],
        resources: [this.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${NATURAL_KEY_PARTITION_PREFIX}*`] },
        },
      }),
    );

    // Encrypt/Decrypt only (no data keys, no re-encryption), and only with the context the cipher binds to
    // each blob: a known platform and a tenant id.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SealCredentials',
        actions: ['kms:Encrypt', 'kms:Decrypt'],
        resources: [this.credentialsKey.keyArn],
        conditions: {
          StringEquals: { 'kms:EncryptionContext:platform': [...PLATFORM_NAMES] },
          Null: { 'kms:EncryptionContext:tenantId': 'false' },
        },
      }),
    );

    this.vendorSecret.grantRead(role);
    // The event source already grants consumption (Receive, Delete, ChangeMessageVisibility for the handler's
    // retry backoff, GetQueueAttributes) and kms:Decrypt on the queue key.

    this.alarmTopic = this.createAlarms(maxReceiveCount, props.backlogAgeThreshold ?? Duration.minutes(15));

    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing (tracing: ACTIVE) adds xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions.',
    });
    Validations.of(this.vendorSecret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'The secret holds vendor-issued API credentials (Cloopen auth token, Baijiayun partner key) that only the vendors can reissue, in their consoles; there is no API a rotation Lambda could call. Operators update the secret when they rotate them.',
    });

    new CfnOutput(this, 'ProvisioningQueueUrl', {
      description: 'Send provisioning requests here (FIFO: set MessageGroupId and MessageDeduplicationId)',
      value: this.queue.queueUrl,
    });
    new CfnOutput(this, 'LedgerTableName', {
      description: 'The provisioning ledger',
      value: this.table.tableName,
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      description:
        'Requests that exhausted their deliveries; inspect, then redrive to the provisioning queue',
      value: this.deadLetterQueue.queueUrl,
    });
    new CfnOutput(this, 'VendorSecretArn', {
      description: 'Fill in the CLOOPEN_* / BAIJIAYUN_* values of this secret after the first deploy',
      value: this.vendorSecret.secretArn,
    });
    new CfnOutput(this, 'QueueKeyArn', {
      description: 'Producers need kms:GenerateDataKey and kms:Decrypt on this key to send requests',
      value: queueKey.keyArn,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'Subscribe operators to the pipeline alarms here',
      value: this.alarmTopic.topicArn,
    });
  }

  private createAlarms(maxReceiveCount: number, backlogAgeThreshold: Duration): sns.Topic {
    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, whose policy cannot be
    // changed; this key lets CloudWatch alarms of this account, and nobody else's, encrypt notifications.
    const alarmKey = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Encrypts provisioning pipeline alarm notifications',
      enableKeyRotation: true,
    });
    const cloudWatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    alarmKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );

    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Provisioning pipeline alarms',
      masterKey: alarmKey,
      enforceSSL: true,
    });
    // enforceSSL gives the topic an explicit policy, which replaces SNS's default one: allow the alarms back in.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: {
            'aws:SourceArn': `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:*`,
          },
        },
      }),
    );
    const notify = new SnsAction(topic);

    const deadLetters = new cloudwatch.Alarm(this, 'DeadLetterQueueNotEmptyAlarm', {
      alarmDescription: `Provisioning requests failed ${maxReceiveCount} deliveries and wait in ${PROVISIONING_DLQ_NAME}: inspect, fix, redrive.`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // Per-request failures are reported as batch item failures, so Errors counts whole invocations that
    // failed: a broken deployment, bad configuration, a timeout.
    const handlerErrors = new cloudwatch.Alarm(this, 'HandlerErrorsAlarm', {
      alarmDescription: 'Provisioning handler invocations failed (configuration, permissions, timeouts).',
      metric: this.handler.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // Retries back off for at most RETRY_MAX_SECONDS each, so an old message means the pipeline is stuck
    // (throttled, a vendor down for long), not merely retrying.
    const backlog = new cloudwatch.Alarm(this, 'QueueBacklogAgeAlarm', {
      alarmDescription: `The oldest provisioning request has waited more than ${backlogAgeThreshold.toMinutes()} minutes.`,
      metric: this.queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: backlogAgeThreshold.toSeconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // Requests the platforms refused for good are acknowledged, not dead-lettered: without this alarm a
    // rotated vendor credential or a master account in arrears would fail every request silently.
    const refused = new cloudwatch.Alarm(this, 'RequestsFailedAlarm', {
      alarmDescription:
        'Provisioning requests failed permanently (vendor refused: credentials, account state, parameters). See `provisioner status`.',
      metric: new cloudwatch.Metric({
        namespace: 'Provisioner',
        metricName: 'requests_failed',
        dimensionsMap: { service: 'provisioner' },
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.SUM,
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    for (const alarm of [deadLetters, handlerErrors, backlog, refused]) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }
    return topic;
  }
}
