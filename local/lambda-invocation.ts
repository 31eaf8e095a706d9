import { randomBytes, randomUUID } from 'node:crypto';
import {
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
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
import { HandlerTimeoutError, LocalStackError } from './errors.ts';

/*
 * The Lambda side of the local poller: received messages as the exact `SQSEvent` Lambda builds, a Lambda
 * `Context`, and an invocation bounded by the function timeout.
 */

/** A Lambda handler of SQS events, as the deployed function exports it. */
// biome-ignore lint/suspicious/noConfusingVoidType: Lambda's own SQSHandler type allows returning nothing.
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

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

/** The queue a poller reads, as Lambda names it in records and in the function's ARN. */
export interface EventSource {
  readonly arn: string;
  readonly region: string;
  readonly accountId: string;
}

/** The event Lambda builds from one received batch. */
export function toSqsEvent(messages: readonly Message[], source: EventSource): SQSEvent {
  return { Records: messages.map((m) => toSqsRecord(m, source.arn, source.region)) };
}

/** Options of {@link createLambdaInvoker}, already validated by the poller. */
export interface LambdaInvokerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** The queue's ARN; read from the queue when absent. */
  readonly queueArn?: string | undefined;
  readonly handler: SqsHandler;
  readonly functionName: string;
  readonly timeoutMs: number;
  readonly memoryLimitInMB: number;
  readonly now: () => number;
}

/** Invokes one handler the way one Lambda function of an SQS event source mapping is invoked. */
export interface LambdaInvoker {
  /** The queue's ARN, region and account, read once (again after a failed read). */
  eventSource(): Promise<EventSource>;
  /** A fresh `Context` for one invocation, its deadline `timeoutMs` from now. */
  context(source: EventSource): Context;
  /** Runs the handler; rejects with a {@link HandlerTimeoutError} once the function timeout passes. */
  invoke(event: SQSEvent, ctx: Context): Promise<unknown>;
}

/** The invoker of one poller, which plays one Lambda execution environment. */
export function createLambdaInvoker(options: LambdaInvokerOptions): LambdaInvoker {
  const { sqs, queueUrl, handler, functionName, timeoutMs, now } = options;
  // One log stream per poller, like one per Lambda execution environment.
  const logStreamName = `${new Date(now()).toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;

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
      memoryLimitInMB: String(options.memoryLimitInMB),
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

  return { eventSource, context, invoke };
}
