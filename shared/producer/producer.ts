import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type BatchResultErrorEntry,
  SendMessageBatchCommand,
  type SendMessageBatchResultEntry,
  type SQSClient,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import { MAX_REQUEST_BYTES, type ProvisioningRequest, provisioningRequestSchema } from '../contract.ts';
import { InvalidProvisioningRequestError } from './errors.ts';

/** Most entries SendMessageBatch takes. */
export const MAX_BATCH_ENTRIES = 10;
/** Most payload bytes (bodies plus attributes) SendMessageBatch takes, at the queue's historical limit. */
export const MAX_BATCH_BYTES = 256 * 1024;
/** SQS's limit on MessageGroupId and MessageDeduplicationId. */
const MAX_SQS_ID_LENGTH = 128;

/** Failure code of a request held back because an earlier request of the same tenant failed to send. */
export const PRECEDING_REQUEST_FAILED = 'PrecedingRequestFailed';

const THROTTLING_CODES = new Set([
  'ThrottlingException',
  'Throttling',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'KmsThrottled',
]);

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The FIFO message group of a request: one per account, so one tenant's requests are applied in order
 * while different tenants proceed in parallel. `{platform}:{tenantId}`, or, for tenant ids too long for
 * SQS's 128 characters, the platform and a SHA-256 of the tenant id.
 */
export function messageGroupId(request: Pick<ProvisioningRequest, 'platform' | 'tenantId'>): string {
  const id = `${request.platform}:${request.tenantId}`;
  return id.length <= MAX_SQS_ID_LENGTH ? id : `${request.platform}:sha256:${sha256(request.tenantId)}`;
}

/**
 * The FIFO deduplication id of a request: SHA-256 hex (64 characters) of its account and requestId.
 *
 * SQS deduplicates per queue, while the ledger scopes a requestId to its account: hashing the account in
 * keeps two tenants that happen to reuse a requestId from silently dropping each other's message. `/`
 * cannot occur in any of the three parts, so distinct triples never join into the same text.
 */
export function deduplicationId(
  request: Pick<ProvisioningRequest, 'platform' | 'tenantId' | 'requestId'>,
): string {
  return sha256(`${request.platform}/${request.tenantId}/${request.requestId}`);
}

/** Options of {@link sendProvisioningRequests}. */
export interface SendProvisioningRequestsOptions {
  /** A client of the queue's region; locally it must name the fauxqs `endpoint`. */
  readonly sqs: SQSClient;
  /** The provisioning FIFO queue. */
  readonly queueUrl: string;
  /** SendMessageBatch calls in flight at once (default 4). Batches sharing a tenant never overlap. */
  readonly concurrency?: number | undefined;
  /** Attempts per message for failures SQS reports as not the sender's fault (default 3). */
  readonly maxAttempts?: number | undefined;
  /** Delay before the first retry; it doubles per attempt, with jitter (default 200 ms). */
  readonly retryBaseDelayMs?: number | undefined;
}

/** A request SQS accepted. */
export interface SentRequest {
  /** Position in the caller's array. */
  readonly index: number;
  readonly requestId: string;
  readonly messageId: string;
  readonly sequenceNumber?: string | undefined;
}

/** A request that was not queued, after retries where retrying made sense. */
export interface FailedRequest {
  /** Position in the caller's array. */
  readonly index: number;
  readonly requestId: string;
  /** SQS's code (`InvalidParameterValue`, `ThrottlingException`, …) or {@link PRECEDING_REQUEST_FAILED}. */
  readonly code: string;
  readonly message: string;
  /** True when sending it again unchanged cannot help. */
  readonly senderFault: boolean;
}

/** The outcome of {@link sendProvisioningRequests}, each list in the caller's order. */
export interface SendProvisioningRequestsResult {
  readonly sent: SentRequest[];
  readonly failed: FailedRequest[];
}

/** One validated request on its way to the queue. */
interface Entry {
  readonly index: number;
  readonly batchId: string;
  readonly requestId: string;
  readonly body: string;
  readonly bytes: number;
  readonly groupId: string;
  readonly deduplicationId: string;
}

/** Size limits of one SendMessageBatch call. */
export interface BatchLimits {
  readonly maxEntries: number;
  readonly maxBytes: number;
}

/**
 * Takes the next batch off per-group queues: for each group not `busy`, its oldest entries in order, until
 * the batch is full by count or bytes. Groups it takes from become busy, so that no two batches in flight
 * hold the same group and a group's messages reach the queue in order. A group whose next entry does not
 * fit is left for a later batch whole rather than skipped over. Exported for tests.
 */
export function nextBatch<T extends { readonly bytes: number }>(
  queues: Map<string, T[]>,
  busy: Set<string>,
  limits: BatchLimits,
): T[] | undefined {
  const batch: T[] = [];
  let bytes = 0;
  for (const [group, list] of queues) {
    if (batch.length >= limits.maxEntries) break;
    if (busy.has(group)) continue;
    let took = false;
    for (let next = list[0]; next !== undefined && batch.length < limits.maxEntries; next = list[0]) {
      // An entry over the limit on its own still goes, alone, so SQS can say what is wrong with it.
      if (batch.length > 0 && bytes + next.bytes > limits.maxBytes) break;
      list.shift();
      batch.push(next);
      bytes += next.bytes;
      took = true;
    }
    if (took) busy.add(group);
    if (list.length === 0) queues.delete(group);
  }
  return batch.length > 0 ? batch : undefined;
}

function issuePath(path: readonly PropertyKey[]): string {
  return path.length > 0 ? path.map(String).join('.') : 'request';
}

/**
 * UTF-16 code units a message body must not carry raw: surrogates (halves of a character above U+FFFF,
 * which SQS accepts but fauxqs refuses, testing one code unit at a time) and U+FFFE/U+FFFF (outside SQS's
 * rule). JSON.stringify already escapes control characters and lone surrogates.
 */
const UNSAFE_IN_SQS = /[\uD800-\uDFFF\uFFFE\uFFFF]/g;

/**
 * The request as JSON that every SQS implementation takes: characters {@link UNSAFE_IN_SQS} names become
 * `\uXXXX` escapes. They can only occur inside JSON strings, where an escape reads back as the same code
 * unit, so `JSON.parse` gives the handler exactly the request a raw body would.
 */
function messageBody(request: unknown): string {
  return JSON.stringify(request).replace(
    UNSAFE_IN_SQS,
    (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function prepare(requests: readonly unknown[]): Entry[] {
  const issues: string[] = [];
  const entries: Entry[] = [];
  const seen = new Map<string, { index: number; body: string }>();
  for (let index = 0; index < requests.length; index++) {
    const result = provisioningRequestSchema.safeParse(requests[index]);
    if (!result.success) {
      for (const issue of result.error.issues)
        issues.push(`${index}: ${issuePath(issue.path)}: ${issue.message}`);
      continue;
    }
    const request = result.data;
    // The validated form, so what the handler parses is exactly what was checked here.
    const body = messageBody(request);
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > MAX_REQUEST_BYTES) {
      issues.push(`${index}: request: ${bytes} bytes is over the ${MAX_REQUEST_BYTES}-byte limit`);
      continue;
    }
    const dedup = deduplicationId(request);
    const earlier = seen.get(dedup);
    if (earlier !== undefined && earlier.body !== body) {
      // Same deduplication id, different content: SQS would keep the first and silently drop this one.
      issues.push(
        `${index}: requestId: ${request.requestId} is already used by request ${earlier.index} of the same tenant with different content`,
      );
      continue;
    }
    seen.set(dedup, { index, body });
    entries.push({
      index,
      batchId: `r${index}`,
      requestId: request.requestId,
      body,
      bytes,
      groupId: messageGroupId(request),
      deduplicationId: dedup,
    });
  }
  if (issues.length > 0) throw new InvalidProvisioningRequestError(issues, requests.length);
  return entries;
}

interface CallFailure {
  readonly code: string;
  readonly message: string;
  readonly senderFault: boolean;
  readonly retryable: boolean;
}

function describeCallFailure(error: unknown): CallFailure {
  if (error instanceof SQSServiceException) {
    const throttled = error.$retryable?.throttling === true || THROTTLING_CODES.has(error.name);
    return {
      code: error.name,
      message: error.message,
      senderFault: error.$fault === 'client' && !throttled,
      retryable: error.$fault === 'server' || throttled,
    };
  }
  // No service answer at all (connection refused, reset, timeout): the next attempt may well get through,
  // and the deduplication id makes a repeat of a batch that did land harmless.
  const e = error instanceof Error ? error : new Error(String(error));
  return { code: e.name || 'Error', message: e.message, senderFault: false, retryable: true };
}

/**
 * Queues provisioning requests on the FIFO queue.
 *
 * Every request is validated first; if any is invalid, {@link InvalidProvisioningRequestError} lists each
 * problem as `index: path: message` and nothing is sent. Valid requests go out with SendMessageBatch (at
 * most 10 entries and {@link MAX_BATCH_BYTES} per call, `concurrency` calls at once), each with
 * {@link messageGroupId} and {@link deduplicationId}; the body is the validated request as JSON.
 *
 * Per-tenant order is kept: a tenant's requests reach the queue in the order given. Failures SQS marks as
 * not the sender's fault (and throttling or network failures of a whole call) are retried with backoff up
 * to `maxAttempts`; if one of a tenant's requests still fails, that tenant's later requests are not sent and
 * are reported with code {@link PRECEDING_REQUEST_FAILED}, so the caller can resend the tail in order.
 * Never throws for delivery problems: they are in `failed`.
 *
 * @param requests Typically `ProvisioningRequestInput`s (from `shared/domain/request.ts`); anything else is reported as invalid.
 */
export async function sendProvisioningRequests(
  requests: readonly unknown[],
  options: SendProvisioningRequestsOptions,
): Promise<SendProvisioningRequestsResult> {
  const entries = prepare(requests);
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  const maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? 3));
  const baseDelayMs = Math.max(0, options.retryBaseDelayMs ?? 200);
  const limits: BatchLimits = { maxEntries: MAX_BATCH_ENTRIES, maxBytes: MAX_BATCH_BYTES };

  const sent: SentRequest[] = [];
  const failed: FailedRequest[] = [];
  const fail = (entry: Entry, code: string, message: string, senderFault: boolean) =>
    failed.push({ index: entry.index, requestId: entry.requestId, code, message, senderFault });

  const queues = new Map<string, Entry[]>();
  for (const entry of entries) {
    const list = queues.get(entry.groupId);
    if (list) list.push(entry);
    else queues.set(entry.groupId, [entry]);
  }
  const busy = new Set<string>();

  const backoff = (attempt: number) => {
    const ms = baseDelayMs * 2 ** (attempt - 1);
    return sleep(ms / 2 + Math.random() * (ms / 2));
  };

  /** Sends one batch, retrying what may pass; answers the groups that ended with a failed request. */
  async function deliver(batch: readonly Entry[]): Promise<Set<string>> {
    const failedGroups = new Set<string>();
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const last = attempt >= maxAttempts;
      let successful: SendMessageBatchResultEntry[];
      let unsuccessful: BatchResultErrorEntry[];
      try {
        const output = await options.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: options.queueUrl,
            Entries: pending.map((e) => ({
              Id: e.batchId,
              MessageBody: e.body,
              MessageGroupId: e.groupId,
              MessageDeduplicationId: e.deduplicationId,
            })),
          }),
        );
        successful = output.Successful ?? [];
        unsuccessful = output.Failed ?? [];
      } catch (error) {
        const failure = describeCallFailure(error);
        if (failure.retryable && !last) {
          await backoff(attempt);
          continue;
        }
        for (const e of pending) {
          fail(e, failure.code, failure.message, failure.senderFault);
          failedGroups.add(e.groupId);
        }
        return failedGroups;
      }

      const accepted = new Map(successful.map((s) => [s.Id, s]));
      const rejected = new Map(unsuccessful.map((f) => [f.Id, f]));
      const lastAccepted = new Map<string, number>();
      pending.forEach((e, position) => {
        if (accepted.get(e.batchId)?.MessageId) lastAccepted.set(e.groupId, position);
      });
      const retry: Entry[] = [];
      pending.forEach((e, position) => {
        const ok = accepted.get(e.batchId);
        if (ok?.MessageId) {
          sent.push({
            index: e.index,
            requestId: e.requestId,
            messageId: ok.MessageId,
            sequenceNumber: ok.SequenceNumber,
          });
          return;
        }
        if (failedGroups.has(e.groupId)) {
          fail(
            e,
            PRECEDING_REQUEST_FAILED,
            'Not sent: an earlier request of the same tenant failed to send',
            false,
          );
          return;
        }
        const error = rejected.get(e.batchId);
        const code = error?.Code ?? 'MissingFromResponse';
        const message = error?.Message ?? 'SQS reported neither success nor failure for this entry';
        const senderFault = error?.SenderFault ?? false;
        // Retrying behind a later request of the same tenant that did get through would reorder them.
        const overtaken = (lastAccepted.get(e.groupId) ?? -1) > position;
        if (!senderFault && !last && !overtaken) {
          retry.push(e);
          return;
        }
        fail(
          e,
          code,
          overtaken
            ? `${message} (not retried: a later request of the same tenant was already queued)`
            : message,
          senderFault,
        );
        failedGroups.add(e.groupId);
      });
      pending = retry;
      if (pending.length > 0) await backoff(attempt);
    }
    return failedGroups;
  }

  let inFlight = 0;
  let waiters: (() => void)[] = [];
  const changed = () => new Promise<void>((resolve) => waiters.push(resolve));
  const notify = () => {
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  };

  async function worker(): Promise<void> {
    for (;;) {
      const batch = nextBatch(queues, busy, limits);
      if (!batch) {
        if (inFlight === 0) return;
        // Everything left belongs to a group some other batch is sending: wait for it.
        await changed();
        continue;
      }
      inFlight++;
      try {
        for (const group of await deliver(batch)) {
          for (const e of queues.get(group) ?? []) {
            fail(
              e,
              PRECEDING_REQUEST_FAILED,
              'Not sent: an earlier request of the same tenant failed to send',
              false,
            );
          }
          queues.delete(group);
        }
      } finally {
        for (const e of batch) busy.delete(e.groupId);
        inFlight--;
        notify();
      }
    }
  }

  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  sent.sort((a, b) => a.index - b.index);
  failed.sort((a, b) => a.index - b.index);
  return { sent, failed };
}
