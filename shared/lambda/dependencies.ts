import { cleanupMiddlewares } from '@aws-lambda-powertools/commons';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DependenciesMissingError } from './errors.ts';

/**
 * The Lambda context with the function's dependencies, as {@link injectDependencies} leaves it. Optional in
 * the type so that the handler still takes Lambda's plain context.
 */
export type DependencyContext<D> = Context & { dependencies?: D };

/** The dependencies {@link injectDependencies} put on the context. */
export function dependenciesOf<D>(context: DependencyContext<D>): D {
  if (context.dependencies === undefined) {
    throw new DependenciesMissingError('No dependencies on the context: is injectDependencies in the chain?');
  }
  return context.dependencies;
}

/**
 * A source that builds its value on first use and again once it is older than `refreshAfterMs`. A failed
 * first build is not kept (the next call tries again); a failed refresh keeps the previous value.
 */
export function refreshing<T>(
  build: () => Promise<T>,
  options: {
    readonly refreshAfterMs?: number | undefined;
    readonly onRefreshError?: (error: unknown) => void;
  },
): () => Promise<T> {
  let cached: { readonly value: T; readonly builtAt: number } | undefined;
  // Batches run side by side on one handler (the local poller) share one build instead of racing.
  let building: Promise<T> | undefined;
  const rebuild = async (): Promise<T> => {
    try {
      cached = { value: await build(), builtAt: Date.now() };
    } catch (error) {
      if (!cached) throw error;
      options.onRefreshError?.(error);
    }
    return cached.value;
  };
  return async () => {
    const stale =
      cached !== undefined &&
      options.refreshAfterMs !== undefined &&
      Date.now() - cached.builtAt >= options.refreshAfterMs;
    if (cached && !stale) return cached.value;
    building ??= rebuild().finally(() => {
      building = undefined;
    });
    return building;
  };
}

/**
 * Puts the function's dependencies on `context.dependencies` before the batch. When they cannot be built,
 * nothing is tried: every message is reported failed and returns to the queue after its visibility
 * timeout, and the next invocation builds again.
 */
export function injectDependencies<D>(
  source: () => Promise<D>,
  logger: Logger,
): MiddlewareObj<SQSEvent, SQSBatchResponse, Error, DependencyContext<D>> {
  return {
    before: async (request) => {
      try {
        request.context.dependencies = await source();
      } catch (error) {
        logger.error('Could not build the handler dependencies', { error });
        // Returning early skips every `after` step: let Powertools flush metrics and clear its log buffer.
        await cleanupMiddlewares(request);
        return { batchItemFailures: request.event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
      }
      return undefined;
    },
  };
}
