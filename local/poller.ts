import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type {
  Context,
  SQSBatchResponse,
  SQSEvent,
  SQSMessageAttribute,
  SQSMessageAttributes,
  SQSRecord,
  SQSRecordAttributes,
} from 'aws-lambda';
import { HandlerTimeoutError, LocalStackError, PollerConfigurationError } from './errors.ts';

/** A Lambda handler of SQS events, as the deployed function exports it. */
// biome-ignore lint/suspicious/noConfusingVoidType: Lambda's own SQSHandler type allows returning nothing.
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

/** Where the poller reports what it does; Powertools' Logger and a console adapter both fit. */
export interface PollerLogger {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

const SILENT: PollerLogger = { info() {}, warn() {}, error() {} };

/** Options of {@link startSqsPoller}. */
export interface SqsPollerOptions {
  /** A client with an explicit `endpoint` locally (fauxqs queue URL hosts do not resolve). */
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** The queue's ARN for `eventSourceARN`; read from the queue when absent. */
  readonly queueArn?: string | undefined;
  readonly handler: SqsHandler;
  /** Messages per invocation, 1-10 (default 10, Lambda's default for SQS). */
  readonly batchSize?: number | undefined;
  /** Long-poll wait per ReceiveMessage, 0-20 s (default 1: short, so `stop()` is quick). */
  readonly waitTimeSeconds?: number | undefined;
  /** Overrides the queue's visibility timeout on receive; the queue's own applies when absent. */
  readonly visibilityTimeoutSeconds?: number | undefined;
  /** Receive loops running at once (default 1). FIFO groups stay ordered: SQS locks a group in flight. */
  readonly concurrency?: number | undefined;
  /** Read `batchItemFailures` from the handler's answer, as with ReportBatchItemFailures (default true). */
  readonly reportBatchItemFailures?: boolean | undefined;
  /** `context.functionName` (default `provisioner-local`). */
  readonly functionName?: string | undefined;
  /** The function timeout: past it the batch counts as failed, as Lambda would (default 60 000 ms). */
  readonly functionTimeoutMs?: number | undefined;
  /** `context.memoryLimitInMB` (default 1024). */
  readonly memoryLimitInMB?: number | undefined;
  readonly logger?: PollerLogger | undefined;
  /** Clock of `context.getRemainingTimeInMillis()` (default `Date.now`). */
  readonly now?: (() => number) | undefined;
}

/** Counters, for tests and the console. */
export interface PollerStats {
  readonly receives: number;
  readonly emptyReceives: number;
  readonly receiveErrors: number;
  readonly batches: number;
  readonly messagesReceived: number;
  readonly messagesDeleted: number;
  /** Messages left on the queue for redelivery (reported failures, failed batches). */
  readonly messagesFailed: number;
  readonly handlerErrors: number;
  readonly handlerTimeouts: number;
  readonly invalidResponses: number;
  readonly deleteErrors: number;
}

/** A running poller. */
export interface SqsPoller {
  /**
   * Stops receiving, waits for the receive and batches in flight to finish, and makes any messages a
   * final receive brought in visible again. Idempotent.
   */
  stop(): Promise<void>;
  /**
   * Resolves once a receive came back empty, no batch is in flight, and the queue reports no visible,
   * in-flight or delayed message, i.e. every message was deleted or moved to the DLQ. A message waiting out
   * its visibility timeout keeps it pending. Resolves at once after `stop()`.
   */
  idle(): Promise<void>;
  /** A snapshot of the counters. */
  readonly stats: PollerStats;
}

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

function lambdaAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    const attribute: SQSMessageAttribute = {
      ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
      ...(value.BinaryValue === undefined
        ? {}
        : { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
      // Lambda always sends both list fields (reserved by SQS, empty in practice).
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
      dataType: value.DataType ?? 'String',
    };
    out[name] = attribute;
  }
  return out;
}

const OPTIONAL_SYSTEM_ATTRIBUTES = [
  'SequenceNumber',
  'MessageGroupId',
  'MessageDeduplicationId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
] as const;

/** The record Lambda builds from one received message. Exported for tests. */
export function toSqsRecord(message: Message, eventSourceARN: string, awsRegion: string): SQSRecord {
  const system = message.Attributes ?? {};
  const attributes: SQSRecordAttributes = {
    ApproximateReceiveCount: system.ApproximateReceiveCount ?? '',
    SentTimestamp: system.SentTimestamp ?? '',
    SenderId: system.SenderId ?? '',
    ApproximateFirstReceiveTimestamp: system.ApproximateFirstReceiveTimestamp ?? '',
  };
  for (const name of OPTIONAL_SYSTEM_ATTRIBUTES) {
    const value = system[name];
    if (value !== undefined) attributes[name] = value;
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes,
    messageAttributes: lambdaAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN,
    awsRegion,
  };
}

function describe(error: unknown): Record<string, unknown> {
  return error instanceof Error ? { error: error.name, message: error.message } : { error: String(error) };
}

function whole(value: number | undefined, fallback: number, min: number, max: number, what: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new PollerConfigurationError(`${what} must be a whole number from ${min} to ${max}, not ${v}`);
  }
  return v;
}

interface EventSource {
  readonly arn: string;
  readonly region: string;
  readonly accountId: string;
}

/**
 * Polls an SQS queue and invokes a Lambda handler the way Lambda's SQS event source mapping does:
 * ReceiveMessage with every system and message attribute, the exact `SQSEvent` record shape, a Lambda
 * `Context`, then DeleteMessageBatch of the batch except the `batchItemFailures` (which stay invisible until
 * their visibility timeout ends, or whatever visibility the handler itself set). If the handler throws,
 * times out or answers something invalid, nothing is deleted and the whole batch comes back. Moving
 * messages to the DLQ after `maxReceiveCount` is the queue's job (its RedrivePolicy), as in AWS.
 */
export function startSqsPoller(options: SqsPollerOptions): SqsPoller {
  const batchSize = whole(options.batchSize, 10, 1, 10, 'batchSize');
  const waitTimeSeconds = whole(options.waitTimeSeconds, 1, 0, 20, 'waitTimeSeconds');
  const concurrency = whole(options.concurrency, 1, 1, 1000, 'concurrency');
  const timeoutMs = whole(options.functionTimeoutMs, 60_000, 1, 900_000, 'functionTimeoutMs');
  const memory = whole(options.memoryLimitInMB, 1024, 128, 10_240, 'memoryLimitInMB');
  const visibility =
    options.visibilityTimeoutSeconds === undefined
      ? undefined
      : whole(options.visibilityTimeoutSeconds, 0, 0, 43_200, 'visibilityTimeoutSeconds');
  const { sqs, queueUrl, handler } = options;
  const log = options.logger ?? SILENT;
  const now = options.now ?? Date.now;
  const functionName = options.functionName ?? 'provisioner-local';
  const reportFailures = options.reportBatchItemFailures ?? true;
  // One log stream per poller, like one per Lambda execution environment.
  const logStreamName = `${new Date(now()).toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;

  const counters = {
    receives: 0,
    emptyReceives: 0,
    receiveErrors: 0,
    batches: 0,
    messagesReceived: 0,
    messagesDeleted: 0,
    messagesFailed: 0,
    handlerErrors: 0,
    handlerTimeouts: 0,
    invalidResponses: 0,
    deleteErrors: 0,
  };
  const stopping = new AbortController();
  let stopped = false;
  let inFlightBatches = 0;
  // Bumped whenever a receive brings messages, so an idle check can tell that work arrived meanwhile.
  let arrivals = 0;
  let idleWaiters: (() => void)[] = [];

  const pause = (ms: number) => sleep(ms, undefined, { signal: stopping.signal }).catch(() => undefined);

  let source: Promise<EventSource> | undefined;
  function eventSource(): Promise<EventSource> {
    source ??= (async () => {
      let arn = options.queueArn;
      if (!arn) {
        const answer = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
        );
        arn = answer.Attributes?.QueueArn;
      }
      if (!arn) throw new LocalStackError(`Queue ${queueUrl} reported no QueueArn`);
      const [, , , region, accountId] = arn.split(':');
      return { arn, region: region || (await sqs.config.region()), accountId: accountId || '000000000000' };
    })().catch((error: unknown) => {
      source = undefined;
      throw error;
    });
    return source;
  }

  function context(src: EventSource): Context {
    const deadline = now() + timeoutMs;
    const unsupported = (name: string) => () => {
      throw new LocalStackError(`context.${name}() is not supported: return a promise from the handler`);
    };
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${src.region}:${src.accountId}:function:${functionName}`,
      memoryLimitInMB: String(memory),
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName,
      getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
      done: unsupported('done'),
      fail: unsupported('fail'),
      succeed: unsupported('succeed'),
    };
  }

  async function invoke(event: SQSEvent, ctx: Context): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new HandlerTimeoutError(`Task timed out after ${timeoutMs} ms (${ctx.awsRequestId})`)),
        timeoutMs,
      );
    });
    try {
      // Like Lambda, a timed-out invocation is abandoned, not cancelled: its batch simply counts as failed.
      return await Promise.race([Promise.resolve().then(() => handler(event, ctx)), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function deleteMessages(messages: readonly Message[]): Promise<void> {
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

  async function release(messages: readonly Message[]): Promise<void> {
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

  async function processBatch(messages: readonly Message[]): Promise<void> {
    counters.batches++;
    const ids = messages.map((m) => m.MessageId ?? '');
    let src: EventSource;
    try {
      src = await eventSource();
    } catch (error) {
      counters.messagesFailed += messages.length;
      log.error('Could not read the queue ARN; the batch will be delivered again', describe(error));
      return;
    }
    const event: SQSEvent = { Records: messages.map((m) => toSqsRecord(m, src.arn, src.region)) };
    const ctx = context(src);
    let response: unknown;
    try {
      response = await invoke(event, ctx);
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
    const reading = reportFailures
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
    await deleteMessages(messages.filter((m) => !reading.failedIds.has(m.MessageId ?? '')));
  }

  function wakeIdle(): void {
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const wake of waiters) wake();
  }

  async function checkIdle(): Promise<void> {
    if (idleWaiters.length === 0 || inFlightBatches > 0) return;
    const seen = arrivals;
    let attributes: Record<string, string> | undefined;
    try {
      const answer = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      attributes = answer.Attributes;
    } catch {
      return;
    }
    if (inFlightBatches > 0 || arrivals !== seen) return;
    const pending =
      Number(attributes?.ApproximateNumberOfMessages ?? 1) +
      Number(attributes?.ApproximateNumberOfMessagesNotVisible ?? 1) +
      Number(attributes?.ApproximateNumberOfMessagesDelayed ?? 1);
    if (pending === 0) wakeIdle();
  }

  async function worker(): Promise<void> {
    let failures = 0;
    while (!stopping.signal.aborted) {
      let messages: Message[];
      try {
        // Not aborted on stop: a receive cut short would leave what it took invisible for the whole timeout.
        const answer = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: batchSize,
            WaitTimeSeconds: waitTimeSeconds,
            ...(visibility === undefined ? {} : { VisibilityTimeout: visibility }),
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
        messages = answer.Messages ?? [];
        failures = 0;
      } catch (error) {
        counters.receiveErrors++;
        if (stopping.signal.aborted) break;
        failures++;
        log.warn('ReceiveMessage failed; retrying', { ...describe(error), attempt: failures });
        await pause(Math.min(5_000, 100 * 2 ** (failures - 1)));
        continue;
      }
      counters.receives++;
      if (messages.length === 0) {
        counters.emptyReceives++;
        await checkIdle();
        if (waitTimeSeconds === 0) await pause(50);
        continue;
      }
      arrivals++;
      counters.messagesReceived += messages.length;
      if (stopping.signal.aborted) {
        await release(messages);
        break;
      }
      inFlightBatches++;
      try {
        await processBatch(messages);
      } catch (error) {
        // processBatch handles the handler's failures; this is a bug here, not a reason to stop polling.
        log.error('Unexpected poller failure', describe(error));
      } finally {
        inFlightBatches--;
      }
    }
  }

  const running = Promise.all(Array.from({ length: concurrency }, () => worker()));

  return {
    async stop() {
      stopping.abort();
      await running;
      stopped = true;
      wakeIdle();
    },
    idle() {
      if (stopped) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    get stats(): PollerStats {
      return { ...counters };
    },
  };
}
