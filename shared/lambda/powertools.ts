import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { PlatformCallObserver } from '../runtime/platforms.ts';
import { personalDataReplacer } from './personal-data.ts';

/** The service name every function logs and measures under. */
export const SERVICE = 'provisioner';

/**
 * A Powertools logger that masks personal data (see `maskPersonalData`) in everything it writes: the message,
 * extra and persistent keys, and errors (message, stack, cause). The one place masking happens, so a field
 * added to a log line later is masked too. Its child loggers inherit the masking.
 */
export function createLogger(
  options: { readonly serviceName?: string; readonly logLevel?: LogLevel } = {},
): Logger {
  return new Logger({ ...options, jsonReplacerFn: personalDataReplacer });
}

/** The Powertools logger of this execution environment, shared by every function module. */
export const logger = createLogger({ serviceName: SERVICE });

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
