import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { processEnvironment } from '../shared/config.ts';
import {
  type ProbeDependencies,
  type ProbeResult,
  probeQuarantinedPlatforms,
} from '../shared/domain/probe-quarantined-platforms.ts';
import { logger, metrics, platformSecretAlerts } from '../shared/lambda/powertools.ts';
import { probeRuntime } from '../shared/runtime/probe.ts';

/** Every minute: probes quarantined platforms whose cool-down is over, and releases their parked messages. */
export function makeHandler(deps: () => Promise<ProbeDependencies>, now: () => Date = () => new Date()) {
  return middy<unknown, ProbeResult[]>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .handler(async () => {
      const results = await probeQuarantinedPlatforms(now(), await deps());
      for (const r of results.filter((x) => x.outcome !== 'waiting')) {
        logger.warn(`Quarantine probe: ${r.platform} ${r.outcome}`, { ...r });
        if (r.outcome === 'recovered') metrics.addMetric('platform_quarantine_ended', MetricUnit.Count, 1);
      }
      return results;
    });
}

let runtime: (() => Promise<ProbeDependencies>) | undefined;
/** The Lambda entry: clients once per execution environment. */
export const handler = makeHandler(() => {
  runtime ??= probeRuntime(processEnvironment(), { secrets: platformSecretAlerts(logger, metrics) });
  return runtime();
});
