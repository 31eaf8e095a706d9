import { setTimeout as sleep } from 'node:timers/promises';
import {
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DEFAULT_MAX_CONCURRENCY } from '../shared/lambda/event-source.ts';
import { type BatchDeps, processBatch, releaseMessages } from './batch.ts';
import { PollerConfigurationError } from './errors.ts';
import { createLambdaInvoker, type SqsHandler } from './lambda-invocation.ts';
import { describe, newCounters, type PollerLogger, type PollerStats, SILENT } from './poller-report.ts';

/*
 * The local stand-in for Lambda's SQS event source mapping: the receive loops and their lifecycle (stop,
 * idle). How a batch is presented to the handler lives in `lambda-invocation.ts`, what becomes of it in
 * `batch.ts`, logging and counters in `poller-report.ts`; their public parts are re-exported here.
 */

export { type BatchResponseReading, readBatchResponse } from './batch.ts';
export { type SqsHandler, toSqsRecord } from './lambda-invocation.ts';
export type { PollerLogger, PollerStats } from './poller-report.ts';

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
  /**
   * Handler invocations at once, as the event source's `maxConcurrency` (default the deployed one,
   * `DEFAULT_MAX_CONCURRENCY`): this many receive loops, each waiting for its batch before it receives
   * again. FIFO groups stay ordered: SQS locks a group in flight. As in Lambda, an invocation that outlives
   * the function timeout counts as ended (Lambda would tear its environment down); here it is abandoned.
   */
  readonly maxConcurrency?: number | undefined;
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

function whole(value: number | undefined, fallback: number, min: number, max: number, what: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new PollerConfigurationError(`${what} must be a whole number from ${min} to ${max}, not ${v}`);
  }
  return v;
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
  const maxConcurrency = whole(options.maxConcurrency, DEFAULT_MAX_CONCURRENCY, 1, 1000, 'maxConcurrency');
  const timeoutMs = whole(options.functionTimeoutMs, 60_000, 1, 900_000, 'functionTimeoutMs');
  const memory = whole(options.memoryLimitInMB, 1024, 128, 10_240, 'memoryLimitInMB');
  const visibility =
    options.visibilityTimeoutSeconds === undefined
      ? undefined
      : whole(options.visibilityTimeoutSeconds, 0, 0, 43_200, 'visibilityTimeoutSeconds');
  const { sqs, queueUrl } = options;
  const log = options.logger ?? SILENT;
  const counters = newCounters();
  const batch: BatchDeps = {
    sqs,
    queueUrl,
    log,
    counters,
    invoker: createLambdaInvoker({
      sqs,
      queueUrl,
      queueArn: options.queueArn,
      handler: options.handler,
      functionName: options.functionName ?? 'provisioner-local',
      timeoutMs,
      memoryLimitInMB: memory,
      now: options.now ?? Date.now,
    }),
    reportFailures: options.reportBatchItemFailures ?? true,
  };
  const stopping = new AbortController();
  let stopped = false;
  let inFlightBatches = 0;
  // Bumped whenever a receive brings messages, so an idle check can tell that work arrived meanwhile.
  let arrivals = 0;
  let idleWaiters: (() => void)[] = [];

  const pause = (ms: number) => sleep(ms, undefined, { signal: stopping.signal }).catch(() => undefined);

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
        await releaseMessages(batch, messages);
        break;
      }
      inFlightBatches++;
      try {
        await processBatch(batch, messages);
      } catch (error) {
        // processBatch handles the handler's failures; this is a bug here, not a reason to stop polling.
        log.error('Unexpected poller failure', describe(error));
      } finally {
        inFlightBatches--;
      }
    }
  }

  // One loop per invocation slot: a loop holds its slot from the receive to the end of its batch.
  const running = Promise.all(Array.from({ length: maxConcurrency }, () => worker()));

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
