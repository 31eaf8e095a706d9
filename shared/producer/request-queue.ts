import type { SQSClient } from '@aws-sdk/client-sqs';
import type { ProvisioningRequestInput } from '../domain/request.ts';
import type { QueueSendResult, RequestQueue } from '../ports/request-queue.ts';
import { sendProvisioningRequests } from './producer.ts';

/** The provisioning FIFO queue through the typed producer (validation, batching, per-tenant order). */
export class SqsRequestQueue implements RequestQueue {
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;

  constructor(options: { readonly sqs: SQSClient; readonly queueUrl: string }) {
    this.#sqs = options.sqs;
    this.#queueUrl = options.queueUrl;
  }

  async send(requests: readonly ProvisioningRequestInput[]): Promise<QueueSendResult> {
    const result = await sendProvisioningRequests(requests, { sqs: this.#sqs, queueUrl: this.#queueUrl });
    return { sent: result.sent.length, failed: result.failed.length };
  }
}
