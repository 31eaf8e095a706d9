import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { HandlerTimeoutError } from './errors.ts';
import { type EventSource, type LambdaInvoker, toSqsEvent } from './lambda-invocation.ts';
import { describe, type PollerCounters, type PollerLogger } from './poller-report.ts';

/*
 * What becomes of one received batch: the handler's answer read as Lambda reads it, then the messages
 * deleted or left for redelivery; and messages received too late (while stopping) made visible again.
 */

/** The answer of a handler, read the way Lambda reads it with ReportBatchItemFailures. */
export type BatchResponseReading =
  | { readonly valid: true; readonly failedIds: ReadonlySet<string> }
  | { readonly valid: false; readonly reason: string };

/**
 * Reads a handler's answer like Lambda's SQS event source mapping with ReportBatchItemFailures: nothing,
 * `{}`, or a null or empty `batchItemFailures` is full success; an answer that is not such an object, an
 * item without a non-empty string `itemIdentifier`, or an identifier of no message in the batch makes the
 * whole batch a failure.
 */
export function readBatchResponse(
  response: unknown,
  batchMessageIds: ReadonlySet<string>,
): BatchResponseReading {
  if (response === undefined || response === null) return { valid: true, failedIds: new Set() };
  if (typeof response !== 'object' || Array.isArray(response)) {
    return { valid: false, reason: `the answer is a ${Array.isArray(response) ? 'list' : typeof response}` };
  }
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { valid: true, failedIds: new Set() };
  if (!Array.isArray(failures)) return { valid: false, reason: 'batchItemFailures is not a list' };
  const failedIds = new Set<string>();
  for (const item of failures) {
    const id =
      typeof item === 'object' && item !== null
        ? (item as { itemIdentifier?: unknown }).itemIdentifier
        : undefined;
    if (typeof id !== 'string' || id === '') {
      return { valid: false, reason: 'a batchItemFailures item has no itemIdentifier' };
    }
    if (!batchMessageIds.has(id)) {
      return { valid: false, reason: `itemIdentifier ${id} is not a message of the batch` };
    }
    failedIds.add(id);
  }
  return { valid: true, failedIds };
}

/** The queue a poller acts on and where it reports. */
export interface QueueDeps {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly log: PollerLogger;
  readonly counters: PollerCounters;
}

/** Deletes processed messages; a failure only logs and counts, the messages simply come back. */
export async function deleteMessages(deps: QueueDeps, messages: readonly Message[]): Promise<void> {
  const { sqs, queueUrl, log, counters } = deps;
  if (messages.length === 0) return;
  try {
    const answer = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    counters.messagesDeleted += answer.Successful?.length ?? 0;
    for (const failure of answer.Failed ?? []) {
      counters.deleteErrors++;
      log.warn('Could not delete a processed message; it will be delivered again', {
        code: failure.Code,
        message: failure.Message,
      });
    }
  } catch (error) {
    counters.deleteErrors += messages.length;
    log.warn('DeleteMessageBatch failed; the batch will be delivered again', describe(error));
  }
}

/** Makes messages received while stopping visible again at once, instead of after their visibility timeout. */
export async function releaseMessages(deps: QueueDeps, messages: readonly Message[]): Promise<void> {
  const { sqs, queueUrl, log } = deps;
  try {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({
          Id: `m${i}`,
          ReceiptHandle: m.ReceiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  } catch (error) {
    log.warn(
      'Could not release messages received while stopping; they return after their visibility timeout',
      describe(error),
    );
  }
}

/** What {@link processBatch} needs besides the queue. */
export interface BatchDeps extends QueueDeps {
  readonly invoker: LambdaInvoker;
  /** Read `batchItemFailures` from the handler's answer (ReportBatchItemFailures). */
  readonly reportFailures: boolean;
}

/**
 * Invokes the handler with one batch and deletes what succeeded. If the queue ARN cannot be read, the
 * handler throws, times out or answers something invalid, nothing is deleted and the whole batch comes back;
 * reported `batchItemFailures` stay on the queue. Failures are logged and counted, never thrown.
 */
export async function processBatch(deps: BatchDeps, messages: readonly Message[]): Promise<void> {
  const { invoker, log, counters } = deps;
  counters.batches++;
  const ids = messages.map((m) => m.MessageId ?? '');
  let src: EventSource;
  try {
    src = await invoker.eventSource();
  } catch (error) {
    counters.messagesFailed += messages.length;
    log.error('Could not read the queue ARN; the batch will be delivered again', describe(error));
    return;
  }
  const event = toSqsEvent(messages, src);
  const ctx = invoker.context(src);
  let response: unknown;
  try {
    response = await invoker.invoke(event, ctx);
  } catch (error) {
    if (error instanceof HandlerTimeoutError) counters.handlerTimeouts++;
    else counters.handlerErrors++;
    counters.messagesFailed += messages.length;
    log.error('Handler failed; the whole batch will be delivered again', {
      ...describe(error),
      awsRequestId: ctx.awsRequestId,
      messageIds: ids,
    });
    return;
  }
  const reading = deps.reportFailures
    ? readBatchResponse(response, new Set(ids))
    : { valid: true as const, failedIds: new Set<string>() };
  if (!reading.valid) {
    counters.invalidResponses++;
    counters.messagesFailed += messages.length;
    log.error('Handler answered an invalid batch response; the whole batch will be delivered again', {
      reason: reading.reason,
      awsRequestId: ctx.awsRequestId,
      messageIds: ids,
    });
    return;
  }
  counters.messagesFailed += reading.failedIds.size;
  if (reading.failedIds.size > 0) {
    log.info('Handler reported failed messages; they will be delivered again', {
      awsRequestId: ctx.awsRequestId,
      messageIds: [...reading.failedIds],
    });
  }
  await deleteMessages(
    deps,
    messages.filter((m) => !reading.failedIds.has(m.MessageId ?? '')),
  );
}
