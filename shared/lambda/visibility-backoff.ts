import type { Logger } from '@aws-lambda-powertools/logger';
import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { MiddlewareObj } from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { failedRecords } from './batch-report.ts';

/** Where and how long to hide failed messages; `undefined` leaves SQS's own visibility timeout. */
export interface BackoffTarget {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly baseSeconds: number;
  readonly maxSeconds: number;
  /** The queue's redrive count: a message failed on its last delivery is released at once, to the DLQ. */
  readonly maxReceiveCount?: number | undefined;
}

/**
 * Seconds to hide a failed message: exponential in its deliveries, capped, with equal jitter (between half
 * and all of the ceiling), so retries of many messages spread out without any coming back at once.
 */
export function backoffSeconds(receiveCount: number, baseSeconds: number, maxSeconds: number): number {
  const ceiling = Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, receiveCount - 1));
  // SQS caps visibility at 12 h; keep at least 1 s so the retry is not immediate.
  return Math.max(1, Math.min(43_200, Math.round(ceiling / 2 + (Math.random() * ceiling) / 2)));
}

/**
 * After a batch, hides each record that was started and failed for a backoff that grows with its
 * deliveries (`ApproximateReceiveCount`), so a struggling vendor is not hammered at the queue's pace.
 */
export function visibilityBackoff<C extends Context>(
  target: (context: C) => BackoffTarget | undefined,
  logger: Logger,
): MiddlewareObj<SQSEvent, SQSBatchResponse, Error, C> {
  return {
    after: async (request) => {
      const to = target(request.context);
      const records = failedRecords(request.event, request.response)?.started ?? [];
      if (!to) return;
      await Promise.all(
        records.map(async (record) => {
          const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1') || 1;
          try {
            await to.sqs.send(
              new ChangeMessageVisibilityCommand({
                QueueUrl: to.queueUrl,
                ReceiptHandle: record.receiptHandle,
                // Its last delivery failed: waiting out a backoff would only hold the tenant up before the
                // message moves to the DLQ on its next receive.
                VisibilityTimeout:
                  to.maxReceiveCount !== undefined && receiveCount >= to.maxReceiveCount
                    ? 0
                    : backoffSeconds(receiveCount, to.baseSeconds, to.maxSeconds),
              }),
            );
          } catch (error) {
            // The queue's default visibility timeout still delays the retry; nothing is lost.
            logger.warn('Could not set retry backoff', { messageId: record.messageId, error });
          }
        }),
      );
    },
  };
}
