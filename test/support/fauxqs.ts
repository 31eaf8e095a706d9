import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { awsClientOptions } from '../../shared/aws/local.ts';

/** Credentials fauxqs accepts (it checks none, but the SDK insists on having some). */
export { LOCAL_AWS_CREDENTIALS as LOCAL_CREDENTIALS } from '../../shared/aws/local.ts';

/** A fauxqs server started for a test, with a client pointed at it. */
export interface TestFauxqs {
  /** `http://127.0.0.1:PORT`: give it to every SQS client as `endpoint` (queue URL hosts do not resolve). */
  readonly endpoint: string;
  readonly region: string;
  readonly sqs: SQSClient;
  readonly server: FauxqsServer;
  stop(): Promise<void>;
}

/** Starts fauxqs in-process on an ephemeral port (in memory unless `dataDir`). */
export async function startTestFauxqs(
  options: { dataDir?: string; region?: string } = {},
): Promise<TestFauxqs> {
  const region = options.region ?? 'us-east-1';
  const server = await startFauxqs({
    port: 0,
    logger: false,
    defaultRegion: region,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  });
  const endpoint = `http://127.0.0.1:${server.port}`;
  const sqs = new SQSClient(awsClientOptions(region, endpoint));
  return {
    endpoint,
    region,
    sqs,
    server,
    async stop() {
      sqs.destroy();
      await server.stop();
    },
  };
}

/** Visible, in-flight and delayed message counts of a queue. */
export async function queueDepth(
  sqs: SQSClient,
  queueUrl: string,
): Promise<{ visible: number; inFlight: number; delayed: number }> {
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
  const n = (name: string) => Number(answer.Attributes?.[name as keyof typeof answer.Attributes] ?? 'NaN');
  return {
    visible: n('ApproximateNumberOfMessages'),
    inFlight: n('ApproximateNumberOfMessagesNotVisible'),
    delayed: n('ApproximateNumberOfMessagesDelayed'),
  };
}

/**
 * Receives (and deletes) every visible message, in the order the queue hands them out; deleting is what
 * lets a FIFO queue release the next message of a group.
 */
export async function drainQueue(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const answer = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = answer.Messages ?? [];
    if (messages.length === 0) return all;
    for (const m of messages) {
      all.push(m);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
}

/** Polls `probe` until it returns a value (not `undefined`), failing after a generous deadline. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  options: { deadlineMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.deadlineMs ?? 20_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${options.what ?? 'a condition'}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}
