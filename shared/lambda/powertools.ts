import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { PlatformCallObserver } from '../runtime/platforms.ts';

/** The service name every function logs and measures under. */
export const SERVICE = 'provisioner';

/** The Powertools logger of this execution environment, shared by every function module. */
export const logger = new Logger({ serviceName: SERVICE });

/** The Powertools metrics of this execution environment (namespace `Provisioner`). */
export const metrics = new Metrics({ namespace: 'Provisioner', serviceName: SERVICE });

/** Records each platform call's duration as `platform_call_ms`, by platform and operation (the dashboard's latency). */
export function platformCallMetrics(metrics: Metrics): PlatformCallObserver {
  return (call) => {
    const single = metrics.singleMetric();
    single.addDimensions({ platform: call.platform, operation: call.operation });
    single.addMetric('platform_call_ms', MetricUnit.Milliseconds, Math.round(call.ms));
  };
}
