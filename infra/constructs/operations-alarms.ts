import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { platformModules, platformNames } from '../../shared/platforms/registry.ts';
import type { PipelineAlarms } from './pipeline-alarms.ts';
import { serviceMetric } from './provisioning-function.ts';

const capitalised = (name: string) => `${name[0]?.toUpperCase() ?? ''}${name.slice(1)}`;

/** What {@link addOperationsAlarms} watches. */
export interface OperationsAlarmsProps {
  /** The master balance below which to alarm, per platform that reports one (default 100). */
  readonly balanceThresholds: Readonly<Record<string, number>>;
  /** Every function, by name. */
  readonly functions: readonly (readonly [name: string, fn: lambda.Function])[];
}

/**
 * The operations alarms, on the pipeline's topic: a tripped sweep guard, confirmed drift, a low master
 * balance and a quarantine per platform, and throttles and runs near the timeout of every function.
 */
export function addOperationsAlarms(alarms: PipelineAlarms, props: OperationsAlarmsProps): void {
  alarms.addAlarm('SweepGuardTrippedAlarm', {
    alarmDescription:
      'The expiry sweep found more accounts due than one run may act on, and acted on none. Check `provisioner sweep --dry-run`, then run it with --allow-mass if the expiries are right.',
    metric: serviceMetric('sweep_guard_tripped', Duration.hours(1), cloudwatch.Stats.SUM),
  });
  alarms.addAlarm('DriftFoundAlarm', {
    alarmDescription:
      'Reconciliation confirmed drift between the ledger and a platform (orphans, missing accounts, state mismatches). See `provisioner drift`.',
    metric: serviceMetric('drift_found', Duration.days(1), cloudwatch.Stats.MAXIMUM),
  });
  for (const platform of platformModules.filter((p) => p.reportsBalance)) {
    const threshold = props.balanceThresholds[platform.name] ?? 100;
    alarms.addAlarm(`BalanceLowAlarm${capitalised(platform.name)}`, {
      alarmDescription: `The ${platform.title} master account balance is below ${threshold}: top it up before creates are refused.`,
      metric: serviceMetric('master_balance', Duration.days(1), cloudwatch.Stats.MINIMUM, {
        platform: platform.name,
      }),
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    });
  }
  for (const platform of platformNames) {
    alarms.addAlarm(`Quarantine${capitalised(platform)}Alarm`, {
      alarmDescription: `${platform} was quarantined: most of its calls failed, and its requests are parked until a probe finds it back.`,
      metric: serviceMetric('platform_quarantined', Duration.minutes(5), cloudwatch.Stats.SUM, { platform }),
    });
  }
  for (const [name, fn] of props.functions) {
    alarms.addAlarm(`${name}ThrottlesAlarm`, {
      alarmDescription: `The ${name.toLowerCase()} function was throttled: raise its concurrency or the account's limit.`,
      metric: fn.metricThrottles({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
    });
    const timeout = fn.timeout;
    if (!timeout) continue;
    alarms.addAlarm(`${name}DurationAlarm`, {
      alarmDescription: `The ${name.toLowerCase()} function ran for over 80 % of its ${timeout.toSeconds()} s timeout.`,
      metric: fn.metricDuration({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: timeout.toMilliseconds() * 0.8,
    });
  }
}
