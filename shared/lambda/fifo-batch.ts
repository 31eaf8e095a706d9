import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { beginBatch, markStarted } from './batch-report.ts';
import type { RecordGuard } from './record-budget.ts';

/**
 * A FIFO SQS batch handler with partial batch responses: a failed record fails only the later records of
 * its own message group (kept in order), while other groups proceed. Records a guard stops are reported
 * failed without being started. One processor per invocation: it holds the batch's state, and the local
 * poller may run batches side by side on one handler.
 */
export function fifoBatchHandler<C extends Context>(
  processRecord: (record: SQSRecord, context: C) => Promise<void>,
  guards: (context: C) => readonly RecordGuard[] = () => [],
): (event: SQSEvent, context: C) => Promise<SQSBatchResponse> {
  return async (event, context) => {
    const checks = guards(context);
    beginBatch(event);
    return processPartialResponse(
      event,
      async (record: SQSRecord) => {
        for (const check of checks) await check(record, context, event);
        markStarted(event, record.messageId);
        await processRecord(record, context);
      },
      new SqsFifoPartialProcessorAsync(),
      { context, skipGroupOnError: true, throwOnFullBatchFailure: false },
    );
  };
}
