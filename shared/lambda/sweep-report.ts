import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SweepReport } from '../domain/sweep-expired-accounts.ts';

/**
 * Counts and logs one sweep run: `sweep_actions` by action, `sweep_guard_tripped` (an alarm watches it),
 * `sweep_deferred` and `sweep_send_failed`. Accounts are named by platform and tenant only.
 */
export function logSweep(logger: Logger, metrics: Metrics, report: SweepReport): void {
  for (const action of ['suspend', 'close'] as const) {
    const count = report.guardTripped ? 0 : report.actions.filter((a) => a.action === action).length;
    metrics.addMetric(`sweep_actions_${action}`, MetricUnit.Count, count);
  }
  metrics.addMetric('sweep_guard_tripped', MetricUnit.Count, report.guardTripped ? 1 : 0);
  metrics.addMetric('sweep_deferred', MetricUnit.Count, report.deferred);
  metrics.addMetric('sweep_send_failed', MetricUnit.Count, report.failed);
  const summary = {
    due: report.actions.length,
    threshold: report.threshold,
    sent: report.sent,
    failed: report.failed,
    deferred: report.deferred,
  };
  if (report.guardTripped) {
    logger.error(
      'Sweep guard tripped: more accounts are due than one run may act on; none was acted on',
      summary,
    );
  } else {
    logger.info('Sweep done', {
      ...summary,
      actions: report.actions.map((a) => `${a.action} ${a.platform}/${a.tenantId}`),
    });
  }
}
