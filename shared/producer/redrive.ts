import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';

/** Options of {@link redriveDeadLetters}. */
export interface RedriveOptions {
  readonly sqs: SQSClient;
  /** The dead-letter queue to empty… */
  readonly deadLetterQueueUrl: string;
  /** …into this queue (the provisioning queue). */
  readonly queueUrl: string;
  /** Move at most this many messages (the copy loop only: SQS's move task cannot count). */
  readonly max?: number | undefined;
  /** Told the count moved so far, and the DLQ's depth when the run began. */
  readonly onProgress?: ((moved: number, total: number) => void) | undefined;
}

/** What a redrive did. */
export interface RedriveReport {
  /** `move-task`: SQS moves the messages itself (AWS); `copy`: received, sent again in order, deleted. */
  readonly mode: 'move-task' | 'copy';
  /** Messages moved (copy), or waiting in the DLQ when the task started (move-task). */
  readonly moved: number;
  /** The move task's handle, to follow it with `ListMessageMoveTasks`. */
  readonly taskHandle?: string | undefined;
  /** Messages left in the DLQ after a copy (by its approximate count). */
  readonly remaining: number;
}

async function depth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const answer = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(answer.Attributes?.ApproximateNumberOfMessages ?? '0');
}

async function arnOf(sqs: SQSClient, queueUrl: string): Promise<string> {
  const answer = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  return answer.Attributes?.QueueArn ?? '';
}

/** An API the SQS implementation does not have (fauxqs lacks the move task). */
function unsupported(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : '';
  return /UnsupportedOperation|InvalidAction|UnknownOperation|NotImplemented/i.test(`${name} ${message}`);
}

/**
 * Receives each DLQ message and sends it to the queue under its own message group, then deletes it: groups
 * keep their order (a FIFO queue hands out a group's messages one at a time, in order). The deduplication id
 * is derived from the DLQ message, not reused from the original send, which the queue may still remember:
 * a copy interrupted between send and delete and run again within five minutes sends nothing twice.
 */
async function copy(options: RedriveOptions, total: number): Promise<number> {
  const { sqs } = options;
  const limit = options.max ?? Number.POSITIVE_INFINITY;
  let moved = 0;
  while (moved < limit) {
    const answer = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.deadLetterQueueUrl,
        MaxNumberOfMessages: Math.min(10, limit - moved),
        WaitTimeSeconds: 0,
        VisibilityTimeout: 60,
        MessageSystemAttributeNames: ['MessageGroupId'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages: Message[] = answer.Messages ?? [];
    if (messages.length === 0) break;
    for (const message of messages) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: options.queueUrl,
          MessageBody: message.Body ?? '',
          MessageAttributes: message.MessageAttributes,
          MessageGroupId: message.Attributes?.MessageGroupId,
          MessageDeduplicationId: `redrive-${message.MessageId}`,
        }),
      );
      await sqs.send(
        new DeleteMessageCommand({
          QueueUrl: options.deadLetterQueueUrl,
          ReceiptHandle: message.ReceiptHandle,
        }),
      );
      moved += 1;
      options.onProgress?.(moved, Math.max(total, moved));
    }
  }
  return moved;
}

/**
 * Moves dead-lettered requests back to the provisioning queue. Where SQS offers it (AWS) and no `max` is
 * asked for, SQS's own message move task does it; elsewhere (fauxqs), or to move only some, a copy loop.
 * Redriven requests are safe to apply: the handler recognises requests it already finished.
 */
export async function redriveDeadLetters(options: RedriveOptions): Promise<RedriveReport> {
  const total = await depth(options.sqs, options.deadLetterQueueUrl);
  if (options.max === undefined) {
    try {
      const [sourceArn, destinationArn] = await Promise.all([
        arnOf(options.sqs, options.deadLetterQueueUrl),
        arnOf(options.sqs, options.queueUrl),
      ]);
      const task = await options.sqs.send(
        new StartMessageMoveTaskCommand({ SourceArn: sourceArn, DestinationArn: destinationArn }),
      );
      return { mode: 'move-task', moved: total, taskHandle: task.TaskHandle, remaining: 0 };
    } catch (error) {
      if (!unsupported(error)) throw error;
    }
  }
  const moved = await copy(options, total);
  return { mode: 'copy', moved, remaining: await depth(options.sqs, options.deadLetterQueueUrl) };
}
