import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DependencyContext } from './dependencies.ts';
import type { FifoBatchSettings } from './fifo-batch.ts';
import { parkQuarantined, type QuarantineTarget } from './quarantine.ts';
import { type RecordGuard, recordTimeBudget } from './record-budget.ts';
import type { BackoffTarget } from './visibility-backoff.ts';

/** What a queue consumer needs besides its use case; every field optional, so tests can leave them out. */
export interface QueueDependencies {
  /** For visibility backoff of failed messages; without it SQS's own visibility timeout applies. */
  readonly sqs?: SQSClient | undefined;
  readonly queueUrl?: string | undefined;
  readonly retryBaseSeconds?: number | undefined;
  readonly retryMaxSeconds?: number | undefined;
  /** Deliveries before the DLQ: the last failed one is released at once instead of backed off. */
  readonly maxReceiveCount?: number | undefined;
  /** Start a record only with at least this many ms of the invocation left (default 0: always). */
  readonly recordTimeBudgetMs?: number | undefined;
  /** Records of one batch in flight at once, each of another message group (default: the batch handler's). */
  readonly recordConcurrency?: number | undefined;
  readonly logger?: Logger | undefined;
  /** Provider quarantine: records of a quarantined platform are parked (see `./quarantine.ts`). */
  readonly quarantine?: QuarantineTarget | undefined;
}

/** The queue the backoff and release middlewares act on, when the dependencies name one. */
export function queueTargets(d: QueueDependencies): BackoffTarget | undefined {
  if (!d.sqs || !d.queueUrl) return undefined;
  return {
    sqs: d.sqs,
    queueUrl: d.queueUrl,
    baseSeconds: d.retryBaseSeconds ?? 10,
    maxSeconds: d.retryMaxSeconds ?? 900,
    maxReceiveCount: d.maxReceiveCount,
  };
}

const parkIfQuarantined = parkQuarantined<DependencyContext<QueueDependencies>>(
  (c) => c.dependencies?.quarantine,
);

/**
 * The guards every record passes before it starts: the invocation's time budget, then the quarantine of its
 * platform (a parked record is not tried).
 */
export function recordGuardsOf(context: DependencyContext<QueueDependencies>): readonly RecordGuard[] {
  return [recordTimeBudget(context.dependencies?.recordTimeBudgetMs ?? 0), parkIfQuarantined(context)];
}

/** How a queue consumer's batch runs: its records' guards and how many records may be in flight at once. */
export function batchSettingsOf(context: DependencyContext<QueueDependencies>): FifoBatchSettings {
  return { guards: recordGuardsOf(context), concurrency: context.dependencies?.recordConcurrency };
}
