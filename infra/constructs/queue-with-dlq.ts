import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Construct ids of the resources a {@link QueueWithDlq} creates. */
export interface QueueWithDlqIds {
  /** Default `{id}Queue`. */
  readonly queue?: string | undefined;
  /** Default `{id}DeadLetterQueue`. */
  readonly deadLetterQueue?: string | undefined;
  /** Default `{id}QueueKey`; unused when {@link QueueWithDlqProps.encryptionKey} is given. */
  readonly key?: string | undefined;
}

/** Settings of a {@link QueueWithDlq}. */
export interface QueueWithDlqProps {
  /** Physical name of the queue (FIFO: ends in `.fifo`). */
  readonly queueName: string;
  /** Physical name of the dead-letter queue (FIFO: ends in `.fifo`). */
  readonly deadLetterQueueName: string;
  /** Deliveries before a message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /** How long a received message stays hidden; for a Lambda consumer, at least six times its timeout. */
  readonly visibilityTimeout: Duration;
  /** Encrypts both queues. Default: a new rotated key described by {@link keyDescription}. */
  readonly encryptionKey?: kms.IKey | undefined;
  /** Description of the key created when {@link encryptionKey} is absent. */
  readonly keyDescription?: string | undefined;
  /** Construct ids of the resources; see {@link QueueWithDlqIds} for the defaults. */
  readonly ids?: QueueWithDlqIds | undefined;
}

/**
 * A high-throughput FIFO queue and its FIFO dead-letter queue, both encrypted with one customer-managed KMS
 * key, refusing requests without TLS, and retained when the stack is deleted. Producers set `MessageGroupId` and `MessageDeduplicationId`.
 *
 * The resources are created in `scope`, beside this construct rather than under it, so that they keep the
 * logical IDs and construct paths they had before this construct existed; this construct's own node stays
 * empty, so tag or acknowledge through the resources it exposes.
 */
export class QueueWithDlq extends Construct {
  /** The queue producers send to. */
  readonly queue: sqs.Queue;
  /** Where a message lands after {@link QueueWithDlqProps.maxReceiveCount} failed deliveries. */
  readonly deadLetterQueue: sqs.Queue;
  /**
   * Encrypts both queues. Producers need `kms:GenerateDataKey` and `kms:Decrypt` on it (SQS asks KMS for a
   * data key for SendMessage, and decrypts a cached one); consumers need `kms:Decrypt`.
   */
  readonly key: kms.IKey;
  /** {@link QueueWithDlqProps.queueName}, as plain text (`queue.queueName` is a deploy-time reference). */
  readonly queueName: string;
  /** {@link QueueWithDlqProps.deadLetterQueueName}, as plain text. */
  readonly deadLetterQueueName: string;
  /** {@link QueueWithDlqProps.maxReceiveCount}. */
  readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: QueueWithDlqProps) {
    super(scope, id);
    this.queueName = props.queueName;
    this.deadLetterQueueName = props.deadLetterQueueName;
    this.maxReceiveCount = props.maxReceiveCount;

    // Customer-managed KMS rather than SQS-managed SSE: request bodies carry personal data (mobile, email)
    // and may carry an initial password, so reading them should need a key grant on top of SQS access, and
    // every decryption should be in CloudTrail. The cost is that producers need kms:GenerateDataKey on it.
    this.key =
      props.encryptionKey ??
      new kms.Key(scope, props.ids?.key ?? `${id}QueueKey`, {
        description: props.keyDescription ?? `Encrypts messages at rest in ${props.queueName} and its DLQ`,
        enableKeyRotation: true,
      });

    this.deadLetterQueue = new sqs.Queue(scope, props.ids?.deadLetterQueue ?? `${id}DeadLetterQueue`, {
      queueName: props.deadLetterQueueName,
      fifo: true,
      contentBasedDeduplication: false,
      // SQS's longest retention: a dead message is only useful while an operator can still inspect and redrive it.
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      // Retained when the stack is deleted: requests waiting here are someone's signup.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless::Serverless-SQSRedrivePolicy',
      reason: `This is the dead-letter queue of ${props.queueName}, the last stop: its messages stay 14 days for an operator to inspect and redrive to the queue, and a dead-letter queue of its own would only move them out of sight.`,
    });

    this.queue = new sqs.Queue(scope, props.ids?.queue ?? `${id}Queue`, {
      queueName: props.queueName,
      fifo: true,
      // Producers set MessageDeduplicationId (for requests, a hash of platform, tenant and requestId): two
      // messages with equal bodies are still two.
      contentBasedDeduplication: false,
      // High-throughput FIFO: ordering and deduplication are only needed within a message group.
      deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      // Retained when the stack is deleted: it may still hold requests nobody has applied yet.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Lets `grantee` consume {@link queue} as a Lambda event source does, and nothing more (statements
   * `ConsumeRequests` and `OpenRequests`): receive, delete, change visibility (the handler's retry backoff
   * and releases) and read attributes (the event source mapping checks the queue), and Decrypt on the key.
   * Unlike `grantConsumeMessages`, no `sqs:GetQueueUrl`: consumers get the URL from their environment.
   */
  grantConsume(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ConsumeRequests',
        actions: [
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:GetQueueAttributes',
        ],
        resources: [this.queue.queueArn],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OpenRequests',
        actions: ['kms:Decrypt'],
        resources: [this.key.keyArn],
      }),
    );
  }
}
