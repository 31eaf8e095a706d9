import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ParkedMessageReleaser } from '../ports/request-queue.ts';

/** Releases parked messages with `ChangeMessageVisibility` 0 on the receipt handle they were parked with. */
export class SqsMessageReleaser implements ParkedMessageReleaser {
  readonly #sqs: SQSClient;

  constructor(sqs: SQSClient) {
    this.#sqs = sqs;
  }

  async release(message: { readonly queueUrl: string; readonly receiptHandle: string }): Promise<void> {
    await this.#sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: message.queueUrl,
        ReceiptHandle: message.receiptHandle,
        VisibilityTimeout: 0,
      }),
    );
  }
}
