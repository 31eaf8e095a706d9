import { Duration } from 'aws-cdk-lib';
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
 * key and refusing requests without TLS. Producers set `MessageGroupId` and `MessageDeduplicationId`.
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
  /** Encrypts both queues: producers need `kms:GenerateDataKey` and `kms:Decrypt` on it. */
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
    });
  }
}
