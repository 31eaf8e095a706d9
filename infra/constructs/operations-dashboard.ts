import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import {
  POWERTOOLS_METRICS_NAMESPACE,
  POWERTOOLS_SERVICE_NAME,
  serviceMetric,
} from './provisioning-function.ts';
import type { QueueWithDlq } from './queue-with-dlq.ts';

/** Settings of the {@link OperationsDashboard}. */
export interface OperationsDashboardProps {
  readonly queues: QueueWithDlq;
  readonly handler: lambda.IFunction;
  readonly sweep: lambda.IFunction;
  readonly reconcile: lambda.IFunction;
}

const PERIOD = Duration.minutes(5);

/** Every series of a metric the functions emit, across the dimension values they used. */
function search(metricName: string, dimensions: readonly string[], statistic: string, label: string) {
  const schema = [POWERTOOLS_METRICS_NAMESPACE, 'service', ...dimensions].join(',');
  return new cloudwatch.MathExpression({
    expression: `SEARCH('{${schema}} MetricName="${metricName}" service="${POWERTOOLS_SERVICE_NAME}"', '${statistic}', ${PERIOD.toSeconds()})`,
    label,
    period: PERIOD,
    usingMetrics: {},
  });
}

/**
 * One CloudWatch dashboard for operators: requests by platform, action and outcome; platform call latency;
 * the queue's depth and age and the DLQ's depth; sweep actions and guard trips; drift; master balances;
 * and the functions' errors, throttles and durations.
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const { queues } = props;
    const graph = (title: string, left: cloudwatch.IMetric[], width = 12) =>
      new cloudwatch.GraphWidget({ title, left, width, height: 6 });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(1),
      widgets: [
        [
          graph('Requests by platform, action and outcome', [
            search('requests', ['platform', 'action', 'outcome'], 'Sum', ''),
          ]),
          graph('Platform call latency (p90, ms)', [
            search('platform_call_ms', ['platform', 'operation'], 'p90', ''),
          ]),
        ],
        [
          graph(
            'Provisioning queue',
            [
              queues.queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, label: 'visible' }),
              queues.queue.metricApproximateNumberOfMessagesNotVisible({
                period: PERIOD,
                label: 'in flight',
              }),
            ],
            8,
          ),
          graph(
            'Oldest queued request (s)',
            [queues.queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' })],
            8,
          ),
          graph(
            'Dead letters',
            [
              queues.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
                period: PERIOD,
                label: 'depth',
              }),
            ],
            8,
          ),
        ],
        [
          graph(
            'Expiry sweep',
            [
              serviceMetric('sweep_actions_suspend', PERIOD, 'Sum', {}, 'suspends queued'),
              serviceMetric('sweep_actions_close', PERIOD, 'Sum', {}, 'closes queued'),
              serviceMetric('sweep_guard_tripped', PERIOD, 'Sum', {}, 'guard tripped'),
            ],
            8,
          ),
          graph(
            'Drift',
            [
              serviceMetric('drift_found', PERIOD, 'Maximum', {}, 'confirmed'),
              serviceMetric('drift_candidates', PERIOD, 'Maximum', {}, 'seen once'),
            ],
            8,
          ),
          graph('Master account balance', [search('master_balance', ['platform'], 'Minimum', '')], 8),
        ],
        [
          graph(
            'Function errors and throttles',
            [props.handler, props.sweep, props.reconcile].flatMap((fn) => [
              fn.metricErrors({ period: PERIOD }),
              fn.metricThrottles({ period: PERIOD }),
            ]),
          ),
          graph(
            'Function duration (max, ms)',
            [props.handler, props.sweep, props.reconcile].map((fn) =>
              fn.metricDuration({ period: PERIOD, statistic: 'Maximum' }),
            ),
          ),
        ],
      ],
    });
  }
}
