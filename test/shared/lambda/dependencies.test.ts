import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import {
  type DependencyContext,
  dependenciesOf,
  injectDependencies,
  refreshing,
} from '../../../shared/lambda/dependencies.ts';
import { DependenciesMissingError } from '../../../shared/lambda/errors.ts';
import { fifoBatchHandler } from '../../../shared/lambda/fifo-batch.ts';
import { lambdaContext, silentLogger, sqsRecord } from '../../support/lambda-queue.ts';

/** What the tests build: which build of the factory it came from. */
interface Built {
  readonly build: number;
}

/** A factory that counts its builds and fails the ones listed in `failing`. */
function factory(failing: readonly number[] = []) {
  const counter = { builds: 0 };
  const build = async (): Promise<Built> => {
    counter.builds += 1;
    if (failing.includes(counter.builds)) throw new Error(`build ${counter.builds} failed`);
    return { build: counter.builds };
  };
  return { build, counter };
}

/** A batch handler behind `injectDependencies` that notes which build each invocation saw. */
function consumerOf(source: () => Promise<Built>) {
  const seen: number[] = [];
  let handled = 0;
  const handler = middy<SQSEvent, SQSBatchResponse, Error, DependencyContext<Built>>()
    .use(injectDependencies(source, silentLogger()))
    .handler(
      fifoBatchHandler<DependencyContext<Built>>(async (_record, context) => {
        handled += 1;
        seen.push(dependenciesOf(context).build);
      }),
    );
  return { handler, seen, handled: () => handled };
}

const event = (...ids: string[]): SQSEvent => ({ Records: ids.map((id) => sqsRecord(id, `g-${id}`)) });

describe('refreshing', () => {
  it('builds on first use and hands out the same value while it is younger than the refresh age', async () => {
    // Prepare
    const { build, counter } = factory();
    const source = refreshing(build, { refreshAfterMs: 3_600_000 });

    // Act
    const values = [await source(), await source(), await source()];

    // Assess
    expect(counter.builds).toBe(1);
    expect(new Set(values).size).toBe(1);
  });

  it('never rebuilds without a refresh age', async () => {
    // Prepare
    const { build, counter } = factory();
    const source = refreshing(build, {});

    // Act
    for (let i = 0; i < 5; i++) await source();

    // Assess
    expect(counter.builds).toBe(1);
  });

  it('rebuilds once its value is as old as the refresh age', async () => {
    // Prepare: an age of 0 makes every value stale at once.
    const { build, counter } = factory();
    const source = refreshing(build, { refreshAfterMs: 0 });

    // Act
    const values = [await source(), await source(), await source()];

    // Assess
    expect(values.map((v) => v.build)).toEqual([1, 2, 3]);
    expect(counter.builds).toBe(3);
  });

  it('keeps the previous value, and says why, when a refresh fails', async () => {
    // Prepare
    const { build } = factory([2]);
    const errors: unknown[] = [];
    const source = refreshing(build, { refreshAfterMs: 0, onRefreshError: (e) => errors.push(e) });

    // Act
    const values = [await source(), await source()];

    // Assess
    expect(values.map((v) => v.build)).toEqual([1, 1]);
    expect(errors).toEqual([expect.objectContaining({ message: 'build 2 failed' })]);
  });

  it('tries to refresh again on the next call after a failed refresh', async () => {
    // Prepare
    const { build, counter } = factory([2]);
    const source = refreshing(build, { refreshAfterMs: 0, onRefreshError: () => undefined });

    // Act
    const values = [await source(), await source(), await source()];

    // Assess
    expect(values.map((v) => v.build)).toEqual([1, 1, 3]);
    expect(counter.builds).toBe(3);
  });

  it('does not keep a failed first build, so the next call builds again', async () => {
    // Prepare
    const { build, counter } = factory([1]);
    const source = refreshing(build, { refreshAfterMs: 3_600_000 });

    // Act
    const first = source();
    await expect(first).rejects.toThrow('build 1 failed');
    const second = await source();

    // Assess
    expect(second.build).toBe(2);
    expect(counter.builds).toBe(2);
  });
});

describe('refreshing, called twice at once', () => {
  it('shares one build between calls that arrive while it runs', async () => {
    // Prepare
    let builds = 0;
    const source = refreshing(async () => {
      builds += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return builds;
    }, {});

    // Act
    const values = await Promise.all([source(), source()]);

    // Assess
    expect(builds).toBe(1);
    expect(values).toEqual([1, 1]);
  });
});

describe('dependenciesOf', () => {
  it('hands out the dependencies put on the context', () => {
    // Prepare
    const context: DependencyContext<Built> = { ...lambdaContext(), dependencies: { build: 7 } };

    // Act
    const dependencies = dependenciesOf(context);

    // Assess
    expect(dependencies).toEqual({ build: 7 });
  });

  it('throws DependenciesMissingError when nothing put them on the context', () => {
    // Prepare
    const context: DependencyContext<Built> = lambdaContext();

    // Act
    const read = () => dependenciesOf(context);

    // Assess
    expect(read).toThrow(DependenciesMissingError);
    expect(read).toThrow(/injectDependencies/);
  });
});

describe('injectDependencies', () => {
  it('puts the built dependencies on the context before the batch handler runs', async () => {
    // Prepare
    const { build } = factory();
    const { handler, seen } = consumerOf(build);

    // Act
    const response = await handler(event('a', 'b'), lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(seen).toEqual([1, 1]);
  });

  it('reports every record failed, without running the handler, when the dependencies cannot be built', async () => {
    // Prepare
    const { build, counter } = factory([1]);
    const { handler, handled } = consumerOf(build);

    // Act
    const response = await handler(event('a', 'b', 'c'), lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: 'a' },
      { itemIdentifier: 'b' },
      { itemIdentifier: 'c' },
    ]);
    expect(handled()).toBe(0);
    expect(counter.builds).toBe(1);
  });

  it('still lets Powertools publish metrics when it answers early', async () => {
    // Prepare
    const metrics = new Metrics({ namespace: 'Test', serviceName: 'lambda-test' });
    const publish = vi.spyOn(metrics, 'publishStoredMetrics').mockReturnValue(metrics);
    const handler = middy<SQSEvent, SQSBatchResponse>()
      .use(logMetrics(metrics))
      .use(injectDependencies(factory([1]).build, silentLogger()))
      .handler(async () => ({ batchItemFailures: [] }));

    // Act
    const response = await handler(event('a'), lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'a' }]);
    expect(publish).toHaveBeenCalledTimes(1);
  });

  it('builds again on the next invocation after a failed cold start', async () => {
    // Prepare
    const { build, counter } = factory([1]);
    const { handler, seen } = consumerOf(refreshing(build, { refreshAfterMs: 3_600_000 }));

    // Act
    const cold = await handler(event('a'), lambdaContext());
    const warm = await handler(event('b'), lambdaContext());
    const warmer = await handler(event('c'), lambdaContext());

    // Assess
    expect([cold, warm, warmer].map((r) => r.batchItemFailures)).toEqual([[{ itemIdentifier: 'a' }], [], []]);
    expect(counter.builds).toBe(2);
    expect(seen).toEqual([2, 2]);
  });

  it('keeps serving the previous dependencies to the handler while a refresh fails', async () => {
    // Prepare
    const { build, counter } = factory([2]);
    const source = refreshing(build, { refreshAfterMs: 0, onRefreshError: () => undefined });
    const { handler, seen } = consumerOf(source);

    // Act
    const responses = [];
    for (const id of ['a', 'b', 'c']) responses.push(await handler(event(id), lambdaContext()));

    // Assess
    expect(responses.map((r) => r.batchItemFailures)).toEqual([[], [], []]);
    expect(counter.builds).toBe(3);
    expect(seen).toEqual([1, 1, 3]);
  });
});
