/** Queues provisioning requests on the FIFO queue (the CLI, tests and signup flows written in TypeScript). */
export { InvalidProvisioningRequestError } from './errors.ts';
export {
  deduplicationId,
  type FailedRequest,
  MAX_BATCH_BYTES,
  MAX_BATCH_ENTRIES,
  messageGroupId,
  PRECEDING_REQUEST_FAILED,
  type SendProvisioningRequestsOptions,
  type SendProvisioningRequestsResult,
  type SentRequest,
  sendProvisioningRequests,
} from './producer.ts';
export { type RedriveOptions, type RedriveReport, redriveDeadLetters } from './redrive.ts';
export { SqsMessageReleaser } from './releaser.ts';
export { SqsRequestQueue } from './request-queue.ts';
