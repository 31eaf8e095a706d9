import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type DependencyContext, injectDependencies, refreshing } from './dependencies.ts';
import { logger as defaultLogger } from './powertools.ts';
import { quarantine } from './quarantine.ts';
import { type QueueDependencies, queueTargets } from './queue-dependencies.ts';
import { releaseSkippedMessages } from './release-skipped.ts';
import { visibilityBackoff } from './visibility-backoff.ts';

/** Options of {@link queueConsumer}. */
export interface QueueConsumerOptions {
  readonly metrics: Metrics;
  /** Rebuild dependencies a factory built after this long (a rotated secret takes effect when warm). */
  readonly refreshAfterMs?: number | undefined;
}

/** The logger a function uses: the one its dependencies bring (tests), else the shared singleton. */
export function loggerOf<D extends QueueDependencies>(dependencies: D | (() => Promise<D>)) {
  return (typeof dependencies === 'object' && dependencies.logger) || defaultLogger;
}

/**
 * The middy chain every SQS-driven function starts from: Powertools logging and metrics, dependencies on
 * `context.dependencies` (built or refreshed per invocation), then, after the batch, failed records hidden
 * for their backoff and untried ones released. Add the batch handler with `.handler(fifoBatchHandler(…))`.
 */
export function queueConsumer<D extends QueueDependencies>(
  dependencies: D | (() => Promise<D>),
  options: QueueConsumerOptions,
) {
  const logger = loggerOf(dependencies);
  const source =
    typeof dependencies === 'function'
      ? refreshing(dependencies, {
          refreshAfterMs: options.refreshAfterMs,
          onRefreshError: (error) =>
            logger.warn('Could not refresh the handler dependencies; keeping the previous ones', { error }),
        })
      : async () => dependencies;
  return middy<SQSEvent, SQSBatchResponse, Error, DependencyContext<D>>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(options.metrics))
    .use(injectDependencies(source, logger))
    .use(quarantine<DependencyContext<D>>((c) => c.dependencies?.quarantine, logger, options.metrics))
    .use(
      releaseSkippedMessages<DependencyContext<D>>(
        (c) => c.dependencies && queueTargets(c.dependencies),
        logger,
      ),
    )
    .use(
      visibilityBackoff<DependencyContext<D>>((c) => c.dependencies && queueTargets(c.dependencies), logger),
    );
}
