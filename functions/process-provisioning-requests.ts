import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { processEnvironment } from '../shared/config.ts';
import {
  type MessageOutcome,
  type ProvisioningDependencies,
  processMessage,
  RetryLaterError,
} from '../shared/domain/process-request.ts';
import { buildRuntimeDependencies, type RuntimeDependencies } from '../shared/runtime.ts';

/** What the handler needs; `makeHandler` takes it so tests and the local stack inject their own. */
export interface HandlerDependencies {
  readonly provisioning: ProvisioningDependencies;
  /** For visibility backoff of failed messages; without it SQS's own visibility timeout applies. */
  readonly sqs?: SQSClient | undefined;
  readonly queueUrl?: string | undefined;
  readonly retryBaseSeconds?: number | undefined;
  readonly retryMaxSeconds?: number | undefined;
  /** Start a record only with at least this many ms of the invocation left (default 0: always). */
  readonly recordTimeBudgetMs?: number | undefined;
  readonly logger?: Logger | undefined;
  readonly metrics?: Metrics | undefined;
}

const SERVICE = 'provisioner';

/** Seconds to hide a failed message: exponential in its deliveries, capped, with full jitter. */
export function backoffSeconds(receiveCount: number, baseSeconds: number, maxSeconds: number): number {
  const ceiling = Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, receiveCount - 1));
  // SQS caps visibility at 12 h; keep at least 1 s so the retry is not immediate.
  return Math.max(1, Math.min(43_200, Math.round(ceiling / 2 + (Math.random() * ceiling) / 2)));
}

function logOutcome(logger: Logger, metrics: Metrics, outcome: MessageOutcome): void {
  metrics.addMetric(`requests_${outcome.kind}`, MetricUnit.Count, 1);
  const fields = { outcome: outcome.kind, requestId: outcome.requestId };
  if (outcome.kind === 'rejected' || outcome.kind === 'failed') {
    logger.warn('Request not applied', { ...fields, reason: outcome.reason, detail: outcome.message });
  } else {
    logger.info('Request handled', { ...fields, ...('result' in outcome ? { result: outcome.result } : {}) });
  }
}

/**
 * Builds the SQS handler: FIFO partial-batch processing (a failed message fails only the later messages
 * of its own group, preserving per-tenant order while other tenants proceed), one use case per record.
 */
export function makeHandler(
  dependencies: HandlerDependencies | (() => Promise<HandlerDependencies>),
  options: {
    /**
     * Rebuild dependencies built by a factory after this long, so a vendor secret filled in or rotated
     * after the cold start takes effect in warm execution environments too.
     */
    readonly refreshAfterMs?: number | undefined;
  } = {},
) {
  const logger =
    (typeof dependencies === 'object' && dependencies.logger) || new Logger({ serviceName: SERVICE });
  const metrics =
    (typeof dependencies === 'object' && dependencies.metrics) ||
    new Metrics({ namespace: 'Provisioner', serviceName: SERVICE });
  let cached: { readonly value: HandlerDependencies; readonly builtAt: number } | undefined;
  const deps = async (): Promise<HandlerDependencies> => {
    if (typeof dependencies !== 'function') return dependencies;
    const stale =
      cached !== undefined &&
      options.refreshAfterMs !== undefined &&
      Date.now() - cached.builtAt >= options.refreshAfterMs;
    if (cached && !stale) return cached.value;
    try {
      cached = { value: await dependencies(), builtAt: Date.now() };
    } catch (error) {
      // A failed build is not cached: the next invocation tries again. A failed refresh keeps the old set.
      if (!cached) throw error;
      logger.warn('Could not refresh the handler dependencies; keeping the previous ones', { error });
    }
    return cached.value;
  };

  async function hideForBackoff(
    d: HandlerDependencies,
    record: SQSRecord,
    receiveCount: number,
  ): Promise<void> {
    if (!d.sqs || !d.queueUrl) return;
    const seconds = backoffSeconds(receiveCount, d.retryBaseSeconds ?? 10, d.retryMaxSeconds ?? 900);
    try {
      await d.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: d.queueUrl,
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    } catch (error) {
      // The queue's default visibility timeout still delays the retry; nothing is lost.
      logger.warn('Could not set retry backoff', { messageId: record.messageId, error });
    }
  }

  /**
   * Messages the FIFO processor failed without trying (they follow a failed message of their group) are
   * made visible again at once. SQS still holds them back until the failed one, hidden for its backoff,
   * is done, so the group waits for that backoff rather than for the queue's whole visibility timeout.
   */
  async function releaseSkipped(d: HandlerDependencies, skipped: readonly SQSRecord[]): Promise<void> {
    if (!d.sqs || !d.queueUrl || skipped.length === 0) return;
    try {
      await d.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: d.queueUrl,
          Entries: skipped.map((record, i) => ({
            Id: String(i),
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    } catch (error) {
      logger.warn('Could not release skipped messages', { count: skipped.length, error });
    }
  }

  async function handleRecord(d: HandlerDependencies, record: SQSRecord): Promise<void> {
    const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1') || 1;
    try {
      const outcome = await processMessage(
        { messageId: record.messageId, body: record.body, receiveCount },
        d.provisioning,
      );
      logOutcome(logger, metrics, outcome);
    } catch (error) {
      metrics.addMetric('requests_retried', MetricUnit.Count, 1);
      logger.warn('Request will be retried', {
        messageId: record.messageId,
        receiveCount,
        requestId: error instanceof RetryLaterError ? error.requestId : undefined,
        error,
      });
      await hideForBackoff(d, record, receiveCount);
      throw error;
    }
  }

  async function handleBatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    let d: HandlerDependencies;
    try {
      d = await deps();
    } catch (error) {
      // Nothing was tried: every message returns to the queue and the next invocation builds again.
      logger.error('Could not build the handler dependencies', { error });
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    }
    const attempted = new Set<string>();
    // One processor per invocation: it holds the batch's state, and the local poller may run batches
    // side by side on one handler.
    const response = await processPartialResponse(
      event,
      async (record: SQSRecord) => {
        if (context.getRemainingTimeInMillis() < (d.recordTimeBudgetMs ?? 0)) {
          // Not tried (so released below): better back on the queue now than killed with the invocation.
          throw new OutOfTimeError(record.messageId);
        }
        attempted.add(record.messageId);
        await handleRecord(d, record);
      },
      new SqsFifoPartialProcessorAsync(),
      { context, skipGroupOnError: true, throwOnFullBatchFailure: false },
    );
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    await releaseSkipped(
      d,
      event.Records.filter((r) => failed.has(r.messageId) && !attempted.has(r.messageId)),
    );
    return response;
  }

  return middy(handleBatch).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}

/** What the handler takes from the composition root's output (shared with the local stack). */
export function handlerDependencies(built: RuntimeDependencies): HandlerDependencies {
  return {
    provisioning: built.provisioning,
    sqs: built.sqs,
    queueUrl: built.runtime.queueUrl,
    retryBaseSeconds: built.runtime.retryBaseSeconds,
    retryMaxSeconds: built.runtime.retryMaxSeconds,
    recordTimeBudgetMs: built.runtime.recordTimeBudgetMs,
  };
}

/** Not enough of the invocation left to start this record. */
export class OutOfTimeError extends Error {
  override readonly name = 'OutOfTimeError';

  constructor(messageId: string) {
    super(`Message ${messageId} not started: too little of the invocation is left`);
  }
}

/**
 * The Lambda entry: dependencies are built on the first invocation of an execution environment and
 * rebuilt every five minutes (the vendor secret's cache age), not per request.
 */
export const handler = makeHandler(
  async () => handlerDependencies(await buildRuntimeDependencies(processEnvironment())),
  { refreshAfterMs: 300_000 },
);
