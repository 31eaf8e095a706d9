import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { PlatformCallObserver, PlatformSecretObserver } from '../runtime/platforms.ts';
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

/**
 * States, each time the secrets are read, that a vendor secret keeps its platform unavailable: a log line
 * naming the platform, the secret and what to do (WARN while it is still empty, as after the first deploy;
 * ERROR when it is malformed or unreadable) and a metric by platform, `platform_secret_empty` or
 * `platform_secret_invalid`. The secret's value is never in either.
 */
export function platformSecretAlerts(log: Logger, measure: Metrics): PlatformSecretObserver {
  return (problem) => {
    const fields = {
      platform: problem.platform,
      secretVariable: problem.secretVariable,
      secretArn: problem.secretArn,
      problem: problem.problem,
    };
    const message = `Platform ${problem.platform} unavailable, its requests wait: ${problem.message}`;
    if (problem.problem === 'empty') log.warn(message, fields);
    else log.error(message, fields);
    const single = measure.singleMetric();
    single.addDimensions({ platform: problem.platform });
    single.addMetric(
      problem.problem === 'empty' ? 'platform_secret_empty' : 'platform_secret_invalid',
      MetricUnit.Count,
      1,
    );
  };
}
