import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueNameExists,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { QueueSetupError } from './errors.ts';

/** The provisioning queue: FIFO, one message group per account. */
export const PROVISIONING_QUEUE_NAME = 'provisioning-requests.fifo';
/** Where messages go after `maxReceiveCount` failed deliveries. */
export const PROVISIONING_DLQ_NAME = 'provisioning-requests-dlq.fifo';
/** Deliveries before a message is moved to the DLQ. */
export const DEFAULT_MAX_RECEIVE_COUNT = 5;
/** How long a received message stays invisible unless the handler changes it. */
export const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 60;
/** SQS's longest retention: a DLQ is only useful while an operator can still look at it. */
const FOURTEEN_DAYS_SECONDS = 14 * 24 * 3600;

/** Options of {@link ensureProvisioningQueues}. */
export interface ProvisioningQueueOptions {
  readonly queueName?: string | undefined;
  readonly dlqName?: string | undefined;
  readonly maxReceiveCount?: number | undefined;
  readonly visibilityTimeoutSeconds?: number | undefined;
}

/** The queue and its DLQ. */
export interface ProvisioningQueues {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly dlqUrl: string;
  readonly dlqArn: string;
}

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const answer = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = answer.Attributes?.QueueArn;
  if (!arn) throw new QueueSetupError(`Queue ${queueUrl} reported no QueueArn`);
  return arn;
}

/** Creates the queue, or brings an existing one (a persisted data directory) to these attributes. */
async function createOrUpdate(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<string> {
  try {
    const created = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    if (!created.QueueUrl) throw new QueueSetupError(`CreateQueue ${name} returned no QueueUrl`);
    return created.QueueUrl;
  } catch (error) {
    if (!(error instanceof QueueNameExists)) throw error;
    // It exists with other settings (say a different maxReceiveCount from an earlier run): adopt ours.
    const found = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    if (!found.QueueUrl) throw new QueueSetupError(`GetQueueUrl ${name} returned no QueueUrl`, error);
    const { FifoQueue: _fifo, ...settable } = attributes;
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: found.QueueUrl, Attributes: settable }));
    return found.QueueUrl;
  }
}

/**
 * Creates the FIFO provisioning queue and its FIFO DLQ, wired with a RedrivePolicy, the way the deployed
 * stack has them. Idempotent: an existing queue keeps its messages and takes these settings.
 */
export async function ensureProvisioningQueues(
  sqs: SQSClient,
  options: ProvisioningQueueOptions = {},
): Promise<ProvisioningQueues> {
  const maxReceiveCount = options.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT;
  const visibility = options.visibilityTimeoutSeconds ?? DEFAULT_VISIBILITY_TIMEOUT_SECONDS;
  try {
    const dlqUrl = await createOrUpdate(sqs, options.dlqName ?? PROVISIONING_DLQ_NAME, {
      FifoQueue: 'true',
      ContentBasedDeduplication: 'false',
      MessageRetentionPeriod: String(FOURTEEN_DAYS_SECONDS),
    });
    const dlqArn = await queueArn(sqs, dlqUrl);
    const queueUrl = await createOrUpdate(sqs, options.queueName ?? PROVISIONING_QUEUE_NAME, {
      FifoQueue: 'true',
      // Producers always give a deduplication id (see shared/producer): content is not an identity.
      ContentBasedDeduplication: 'false',
      VisibilityTimeout: String(visibility),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }),
    });
    return { queueUrl, queueArn: await queueArn(sqs, queueUrl), dlqUrl, dlqArn };
  } catch (error) {
    if (error instanceof QueueSetupError) throw error;
    throw new QueueSetupError(`Could not set up the provisioning queues: ${String(error)}`, error);
  }
}

/** The local outcomes queue: where `npm start` publishes outcome events, having no EventBridge. */
export const OUTCOMES_QUEUE_NAME = 'provisioning-outcomes';

/**
 * Creates the local outcomes queue: a standard queue (an event needs no group; consumers order by `version`),
 * keeping events 14 days as the deployed example queue does. Idempotent. Returns its URL.
 */
export async function ensureOutcomesQueue(
  sqs: SQSClient,
  name: string = OUTCOMES_QUEUE_NAME,
): Promise<string> {
  try {
    return await createOrUpdate(sqs, name, { MessageRetentionPeriod: String(FOURTEEN_DAYS_SECONDS) });
  } catch (error) {
    if (error instanceof QueueSetupError) throw error;
    throw new QueueSetupError(`Could not set up the outcomes queue: ${String(error)}`, error);
  }
}
