import type { Logger } from '@aws-lambda-powertools/logger';
import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { MiddlewareObj } from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { failedRecords } from './batch-report.ts';

const MAX_BATCH_ENTRIES = 10;

/** The queue the batch came from; `undefined` leaves skipped messages to the visibility timeout. */
export interface ReleaseTarget {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
}

/**
 * After a batch, makes the records it failed without trying (they followed a failed record of their FIFO
 * group, or too little time was left) visible again at once. SQS still holds a group back while its failed
 * head is hidden for its backoff, so the group waits for that backoff rather than for the queue's whole
 * visibility timeout. A batch the handler never took on (its dependencies failed) is left alone, so a
 * broken configuration is not retried in a tight loop.
 */
export function releaseSkippedMessages<C extends Context>(
  target: (context: C) => ReleaseTarget | undefined,
  logger: Logger,
): MiddlewareObj<SQSEvent, SQSBatchResponse, Error, C> {
  return {
    after: async (request) => {
      const to = target(request.context);
      const skipped = failedRecords(request.event, request.response)?.skipped ?? [];
      if (!to) return;
      // SQS takes at most ten entries per call, and reports refused entries instead of throwing.
      for (let i = 0; i < skipped.length; i += MAX_BATCH_ENTRIES) {
        const chunk = skipped.slice(i, i + MAX_BATCH_ENTRIES);
        try {
          const answer = await to.sqs.send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: to.queueUrl,
              Entries: chunk.map((record, j) => ({
                Id: String(j),
                ReceiptHandle: record.receiptHandle,
                VisibilityTimeout: 0,
              })),
            }),
          );
          const refused = answer.Failed ?? [];
          if (refused.length > 0) {
            logger.warn('Could not release skipped messages', {
              count: refused.length,
              codes: refused.map((f) => f.Code),
            });
          }
        } catch (error) {
          logger.warn('Could not release skipped messages', { count: chunk.length, error });
        }
      }
    },
  };
}
