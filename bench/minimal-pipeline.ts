import { setTimeout as sleep } from 'node:timers/promises';
import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { CloopenClient } from '../shared/platforms/cloopen/index.ts';

/**
 * The minimal pipeline: the least a consumer of the same queue must do to create the same accounts, the
 * baseline of `pipeline.ratio`. Each loop receives a batch; per message, in order (as the FIFO handler
 * takes a batch), it writes a conditional intent (PutItem if absent), makes one signed Cloopen create
 * through the project's Cloopen client and writes the result (PutItem); then it deletes the batch. No
 * middleware, no logs, no metrics, no history, no retries: what is left is the work of the emulators, the
 * simulator and the SDK, which both pipelines share.
 *
 * @module
 */

/** Options of {@link startMinimalConsumer}. */
export interface MinimalConsumerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly cloopen: CloopenClient;
  /** Receive loops at once, as the poller's `concurrency`. */
  readonly concurrency: number;
  /** Messages per receive, as the poller's `batchSize`. */
  readonly batchSize: number;
  /**
   * Messages of one batch applied at once, as the handler's record concurrency (the bench's messages are
   * all of different tenants, so no group order applies).
   */
  readonly recordConcurrency: number;
  /** Told when a batch's messages are concluded (before the batch is deleted, as the poller's handler is). */
  readonly onConcluded: (count: number) => void;
}

/** A running minimal consumer. */
export interface MinimalConsumer {
  /** Stops receiving and waits for the batches in flight. */
  stop(): Promise<void>;
}

/** The tenant and Cloopen name a create request carries. */
function createOf(message: Message): { tenantId: string; requestId: string; friendlyName: string } {
  const body = JSON.parse(message.Body ?? '{}') as {
    tenantId?: string;
    requestId?: string;
    profile?: { friendlyName?: string };
  };
  const { tenantId, requestId } = body;
  const friendlyName = body.profile?.friendlyName;
  if (!tenantId || !requestId || !friendlyName) throw new Error('not a Cloopen create request');
  return { tenantId, requestId, friendlyName };
}

/** Starts `concurrency` receive loops on the queue. */
export function startMinimalConsumer(options: MinimalConsumerOptions): MinimalConsumer {
  const { sqs, queueUrl, dynamodb, tableName, cloopen } = options;
  let stopping = false;

  async function apply(message: Message): Promise<void> {
    const { tenantId, requestId, friendlyName } = createOf(message);
    const pk = { S: `MINIMAL#cloopen#${tenantId}` };
    const at = { S: new Date().toISOString() };
    await dynamodb.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { pk, sk: { S: 'STATE' }, state: { S: 'pending' }, requestId: { S: requestId }, at },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    const created = await cloopen.create({ friendlyName });
    if (created.outcome !== 'created') throw new Error(`${friendlyName} already exists on the simulator`);
    await dynamodb.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          pk,
          sk: { S: 'STATE' },
          state: { S: 'active' },
          requestId: { S: requestId },
          subAccountId: { S: created.account.id },
          at: { S: new Date().toISOString() },
        },
      }),
    );
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      const { Messages: messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: options.batchSize,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      if (messages.length === 0) continue;
      let next = 0;
      const worker = async () => {
        while (next < messages.length) {
          const message = messages[next++];
          if (message) await apply(message);
        }
      };
      await Promise.all(Array.from({ length: Math.min(options.recordConcurrency, messages.length) }, worker));
      options.onConcluded(messages.length);
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  }

  const running = Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      for (;;) {
        try {
          return await loop();
        } catch (error) {
          // A bench figure built on failures would mean nothing: say so, and go on with the next batch.
          console.error('minimal pipeline: batch failed:', error instanceof Error ? error.message : error);
          await sleep(100);
        }
      }
    }),
  );
  return {
    async stop() {
      stopping = true;
      await running;
    },
  };
}
