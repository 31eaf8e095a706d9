import type { ProvisioningRequestInput } from '../domain/request.ts';

/** What became of a batch of requests handed to the queue. */
export interface QueueSendResult {
  readonly sent: number;
  /** Requests the queue refused after retries; sending them again later is safe (same request ids). */
  readonly failed: number;
}

/** The provisioning queue, as use cases that create requests (the expiry sweep) see it. */
export interface RequestQueue {
  /** Queues requests in order, keeping each account's order. */
  send(requests: readonly ProvisioningRequestInput[]): Promise<QueueSendResult>;
}

/** Makes a parked message visible again, so the queue delivers it (after a platform's quarantine). */
export interface ParkedMessageReleaser {
  release(message: { readonly queueUrl: string; readonly receiptHandle: string }): Promise<void>;
}
