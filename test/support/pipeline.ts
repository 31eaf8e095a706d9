import { Logger } from '@aws-lambda-powertools/logger';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { makeHandler } from '../../functions/process-provisioning-requests.ts';
import { type SqsPoller, startSqsPoller } from '../../local/poller.ts';
import {
  ensureOutcomesQueue,
  ensureProvisioningQueues,
  type ProvisioningQueues,
} from '../../local/queues.ts';
import type { ProvisioningRequestInput } from '../../shared/contract.ts';
import { createLedgerTable } from '../../shared/ledger/index.ts';
import type { AccountKey, AccountRecord, HistoryEntry } from '../../shared/ports/ledger.ts';
import type { OutcomeEvent, OutcomePublisher } from '../../shared/ports/outcome-publisher.ts';
import type { Credentials } from '../../shared/ports/platform.ts';
import { sendProvisioningRequests } from '../../shared/producer/index.ts';
import { buildRuntimeDependencies, type RuntimeDependencies } from '../../shared/runtime/index.ts';
import { type LocalSimulators, startLocalSimulators } from '../../simulators/local.ts';
import { type DynaliteHandle, startDynalite } from './dynalite.ts';
import { eventually, startTestFauxqs, type TestFauxqs } from './fauxqs.ts';

/** Deliveries before the DLQ in the pipeline tests: small, so exhausting retries is quick. */
export const TEST_MAX_RECEIVE_COUNT = 3;

/** The whole local path: fauxqs → poller → handler → simulators, with the ledger on dynalite. */
export interface TestPipeline {
  readonly db: DynaliteHandle;
  readonly mq: TestFauxqs;
  readonly queues: ProvisioningQueues;
  readonly simulators: LocalSimulators;
  /** The environment the handler was built from (what a worker process needs too). */
  readonly env: Readonly<Record<string, string>>;
  readonly runtime: RuntimeDependencies;
  /** The local outcomes queue the handler publishes to. */
  readonly outcomesQueueUrl: string;
  /**
   * Every outcome event published so far, in the order received (taken off the outcomes queue, so
   * each is seen once; the queue is standard, so this order is not the publish order).
   */
  outcomes(): Promise<OutcomeEvent[]>;
  /** Starts consuming with the handler in this process (it is not started by default). */
  startPoller(): SqsPoller;
  send(requests: ProvisioningRequestInput[]): Promise<void>;
  /** Sends a raw body, bypassing the producer's validation (malformed input, duplicate deliveries). */
  sendRaw(body: string, options?: { groupId?: string; deduplicationId?: string }): Promise<void>;
  account(key: AccountKey): Promise<AccountRecord | undefined>;
  history(key: AccountKey): Promise<HistoryEntry[]>;
  /**
   * The history once it holds at least `count` requests and none is in progress: the conclusion is the last
   * write of a request, after the account record, so waiting on the account alone is not enough.
   */
  settled(key: AccountKey, count?: number): Promise<HistoryEntry[]>;
  /** Opens the sealed credentials of an account (tests only: compares them with the simulator's). */
  credentials(record: AccountRecord): Promise<Credentials>;
  /** Waits until the predicate holds for the account, or fails after a generous deadline. */
  until(
    key: AccountKey,
    predicate: (record: AccountRecord) => boolean,
    what?: string,
  ): Promise<AccountRecord>;
  stop(): Promise<void>;
}

let tables = 0;

/** Starts every part of the pipeline on ephemeral ports. */
export async function startTestPipeline(
  options: {
    logger?: Logger;
    /** Wraps the handler's outcome publisher (to make it fail on purpose). */
    publisher?: (inner: OutcomePublisher) => OutcomePublisher;
  } = {},
): Promise<TestPipeline> {
  const db = await startDynalite();
  const mq = await startTestFauxqs();
  const simulators = await startLocalSimulators();
  const tableName = `ledger-${process.pid}-${++tables}`;
  await createLedgerTable(db.client, tableName);
  const queues = await ensureProvisioningQueues(mq.sqs, {
    queueName: `provisioning-${tables}.fifo`,
    dlqName: `provisioning-${tables}-dlq.fifo`,
    maxReceiveCount: TEST_MAX_RECEIVE_COUNT,
    visibilityTimeoutSeconds: 1,
  });
  const outcomesQueueUrl = await ensureOutcomesQueue(mq.sqs, `outcomes-${tables}`);
  const env: Record<string, string> = {
    ...simulators.env,
    CLOOPEN_TIMEOUT_MS: '1000',
    BAIJIAYUN_TIMEOUT_MS: '1000',
    LEDGER_TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: db.endpoint,
    SQS_ENDPOINT: mq.endpoint,
    QUEUE_URL: queues.queueUrl,
    OUTCOME_QUEUE_URL: outcomesQueueUrl,
    CREDENTIALS_LOCAL_KEY: Buffer.alloc(32, 42).toString('base64'),
    MAX_RECEIVE_COUNT: String(TEST_MAX_RECEIVE_COUNT),
    RETRY_BASE_SECONDS: '1',
    RETRY_MAX_SECONDS: '1',
  };
  const runtime = await buildRuntimeDependencies(env);
  const published = runtime.provisioning.outcomes;
  if (!published) throw new Error('the pipeline publishes outcome events');
  const handler = makeHandler({
    provisioning: {
      ...runtime.provisioning,
      outcomes: options.publisher ? options.publisher(published) : published,
    },
    sqs: runtime.sqs,
    queueUrl: queues.queueUrl,
    retryBaseSeconds: 1,
    retryMaxSeconds: 1,
    logger: options.logger ?? new Logger({ serviceName: 'provisioner-test', logLevel: 'SILENT' }),
  });
  const pollers: SqsPoller[] = [];
  const ledger = runtime.provisioning.ledger;
  const received: OutcomeEvent[] = [];

  return {
    db,
    mq,
    queues,
    simulators,
    env,
    runtime,
    outcomesQueueUrl,
    async outcomes() {
      for (;;) {
        const answer = await mq.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: outcomesQueueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
          }),
        );
        const messages = answer.Messages ?? [];
        if (messages.length === 0) return [...received];
        for (const m of messages) received.push(JSON.parse(m.Body ?? 'null') as OutcomeEvent);
        await mq.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: outcomesQueueUrl,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
          }),
        );
      }
    },
    startPoller() {
      const poller = startSqsPoller({ sqs: mq.sqs, queueUrl: queues.queueUrl, handler, waitTimeSeconds: 1 });
      pollers.push(poller);
      return poller;
    },
    async send(requests) {
      const result = await sendProvisioningRequests(requests, { sqs: mq.sqs, queueUrl: queues.queueUrl });
      if (result.failed.length > 0) throw new Error(`not sent: ${JSON.stringify(result.failed)}`);
    },
    async sendRaw(body, options = {}) {
      await mq.sqs.send(
        new SendMessageCommand({
          QueueUrl: queues.queueUrl,
          MessageBody: body,
          MessageGroupId: options.groupId ?? 'raw',
          MessageDeduplicationId: options.deduplicationId ?? `raw-${Math.random().toString(36).slice(2)}`,
        }),
      );
    },
    account: (key) => ledger.getAccount(key),
    history: (key) => ledger.getHistory(key),
    settled: (key, count = 1) =>
      eventually(
        async () => {
          const history = await ledger.getHistory(key);
          return history.length >= count && history.every((h) => h.status !== 'in-progress')
            ? history
            : undefined;
        },
        { what: `${count} concluded request(s) of ${key.platform}/${key.tenantId}`, deadlineMs: 20_000 },
      ),
    credentials: (record) => {
      if (!record.credentials) throw new Error(`${record.platform}/${record.tenantId} has no credentials`);
      return runtime.provisioning.cipher.open(record.credentials, {
        platform: record.platform,
        tenantId: record.tenantId,
      });
    },
    until: (key, predicate, what) =>
      eventually(
        async () => {
          const record = await ledger.getAccount(key);
          return record && predicate(record) ? record : undefined;
        },
        { what: what ?? `${key.platform}/${key.tenantId} to satisfy the condition`, deadlineMs: 20_000 },
      ),
    async stop() {
      await Promise.all(pollers.map((p) => p.stop()));
      runtime.sqs.destroy();
      await simulators.close();
      await mq.stop();
      await db.stop();
    },
  };
}
