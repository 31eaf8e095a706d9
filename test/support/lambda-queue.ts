import { Logger } from '@aws-lambda-powertools/logger';
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSRecord } from 'aws-lambda';
import { toSqsRecord } from '../../local/poller.ts';
import { queueDepth, type TestFauxqs } from './fauxqs.ts';

/** A Lambda context whose remaining time is fixed, or read from `remainingMs` at every call. */
export function lambdaContext(remainingMs: number | (() => number) = 30_000): Context {
  const remaining = typeof remainingMs === 'number' ? () => remainingMs : remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'queue-consumer-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:queue-consumer-test',
    memoryLimitInMB: '256',
    awsRequestId: `req-${Math.random().toString(36).slice(2)}`,
    logGroupName: '/aws/lambda/queue-consumer-test',
    logStreamName: 'test',
    getRemainingTimeInMillis: remaining,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** A record as Lambda hands it over, for code that never touches the queue (no real receipt handle). */
export function sqsRecord(messageId: string, groupId?: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: '{}',
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: '0',
      ...(groupId === undefined ? {} : { MessageGroupId: groupId }),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:test.fifo',
    awsRegion: 'us-east-1',
  };
}

/** A Powertools logger that writes nothing. */
export function silentLogger(): Logger {
  return new Logger({ serviceName: 'lambda-test', logLevel: 'SILENT' });
}

/** One FIFO queue on a test fauxqs, and the records Lambda would hand over for messages put on it. */
export interface TestFifoQueue {
  readonly sqs: SQSClient;
  readonly name: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  /**
   * Puts one message per group on the queue and receives each back with a real receipt handle, as the
   * record Lambda would hand over, labelled with that group. fauxqs hands out one message per group per
   * receive, where SQS (and so Lambda) may batch several: each message goes under a group of its own on
   * the queue and is relabelled in the record, so several records of one group make one batch.
   */
  receive(groups: readonly string[]): Promise<SQSRecord[]>;
  /** Visible, in-flight and delayed counts. */
  depth(): Promise<{ visible: number; inFlight: number; delayed: number }>;
  /** For each in-flight message (by id), the ms until it becomes visible again. */
  hiddenForMs(): Map<string, number>;
}

let queues = 0;

/** Creates a FIFO queue of its own on `mq` (its visibility timeout 30 s unless told). */
export async function testFifoQueue(
  mq: TestFauxqs,
  prefix: string,
  options: { visibilityTimeoutSeconds?: number } = {},
): Promise<TestFifoQueue> {
  queues += 1;
  const name = `${prefix}-${queues}.fifo`;
  const created = await mq.sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        FifoQueue: 'true',
        VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30),
      },
    }),
  );
  const queueUrl = created.QueueUrl ?? '';
  const inspected = mq.server.inspectQueue(name);
  if (!queueUrl || !inspected) throw new Error(`queue ${name} not created`);
  const queueArn = inspected.arn;
  let sent = 0;
  return {
    sqs: mq.sqs,
    name,
    queueUrl,
    queueArn,
    async receive(groups) {
      const records: SQSRecord[] = [];
      for (const group of groups) {
        sent += 1;
        await mq.sqs.send(
          new SendMessageCommand({
            QueueUrl: queueUrl,
            MessageBody: JSON.stringify({ n: sent, group }),
            MessageGroupId: `own-${sent}`,
            MessageDeduplicationId: `dedup-${sent}`,
          }),
        );
        const answer = await mq.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 1,
            WaitTimeSeconds: 0,
            MessageSystemAttributeNames: ['All'],
          }),
        );
        const message = answer.Messages?.[0];
        if (!message) throw new Error(`nothing received from ${name}`);
        const record = toSqsRecord(message, queueArn, mq.region);
        records.push({ ...record, attributes: { ...record.attributes, MessageGroupId: group } });
      }
      return records;
    },
    depth: () => queueDepth(mq.sqs, queueUrl),
    hiddenForMs() {
      const now = Date.now();
      const inflight = mq.server.inspectQueue(name)?.messages.inflight ?? [];
      return new Map(inflight.map((m) => [m.message.messageId, m.visibilityDeadline - now]));
    },
  };
}
