import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import { RetryLaterError } from '../domain/errors.ts';
import type { IncomingMessage, MessageOutcome } from '../domain/process-message.ts';

/** One SQS record as the message envelope takes it. */
export function incomingMessage(record: SQSRecord): IncomingMessage {
  const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1') || 1;
  return { messageId: record.messageId, body: record.body, receiveCount };
}

/** Counts and logs how a message ended (`requests_<kind>`); never its body. */
export function logOutcome(logger: Logger, metrics: Metrics, outcome: MessageOutcome): void {
  metrics.addMetric(`requests_${outcome.kind}`, MetricUnit.Count, 1);
  // The dashboard's breakdown: one `requests` datum per request, by platform, action and outcome.
  const single = metrics.singleMetric();
  single.addDimensions({
    platform: outcome.platform ?? 'unknown',
    action: outcome.action ?? 'unknown',
    outcome: outcome.kind,
  });
  single.addMetric('requests', MetricUnit.Count, 1);
  const fields = { outcome: outcome.kind, requestId: outcome.requestId };
  if (outcome.kind === 'rejected' || outcome.kind === 'failed') {
    logger.warn('Request not applied', { ...fields, reason: outcome.reason, detail: outcome.message });
  } else {
    logger.info('Request handled', { ...fields, ...('result' in outcome ? { result: outcome.result } : {}) });
  }
}

/** Counts and logs a message that goes back to the queue (`requests_retried`). */
export function logRetry(logger: Logger, metrics: Metrics, record: SQSRecord, error: unknown): void {
  metrics.addMetric('requests_retried', MetricUnit.Count, 1);
  logger.warn('Request will be retried', {
    messageId: record.messageId,
    receiveCount: incomingMessage(record).receiveCount,
    requestId: error instanceof RetryLaterError ? error.requestId : undefined,
    error,
  });
}

/** Runs one record's use case, logging its outcome, or its retry before rethrowing for the queue. */
export async function reportOutcome(
  logger: Logger,
  metrics: Metrics,
  record: SQSRecord,
  run: (message: IncomingMessage) => Promise<MessageOutcome>,
): Promise<void> {
  try {
    logOutcome(logger, metrics, await run(incomingMessage(record)));
  } catch (error) {
    logRetry(logger, metrics, record, error);
    throw error;
  }
}
