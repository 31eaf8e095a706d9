import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ReconcileReport } from '../domain/reconcile-accounts.ts';

/**
 * Counts and logs one reconciliation: `drift_found` (confirmed drifts; an alarm watches it),
 * `drift_candidates`, `reconcile_platform_errors`, and each master account's `master_balance` by platform.
 */
export function logReconcile(logger: Logger, metrics: Metrics, report: ReconcileReport): void {
  metrics.addMetric('drift_found', MetricUnit.Count, report.confirmed.length);
  metrics.addMetric('drift_candidates', MetricUnit.Count, report.candidates.length);
  metrics.addMetric(
    'reconcile_platform_errors',
    MetricUnit.Count,
    report.scans.filter((s) => s.error).length,
  );
  for (const scan of report.scans) {
    const balance = Number(scan.master?.balance);
    if (scan.master?.balance !== undefined && Number.isFinite(balance)) {
      // A metric of its own per platform, so one alarm can watch each balance.
      const single = metrics.singleMetric();
      single.addDimension('platform', scan.platform);
      single.addMetric('master_balance', MetricUnit.NoUnit, balance);
    }
  }
  const drift = report.confirmed.map(
    (d) => `${d.kind} ${d.platform} ${d.subAccountId}${d.tenantId ? ` (${d.tenantId})` : ''}`,
  );
  const scans = report.scans.map((s) => ({
    platform: s.platform,
    listed: s.listed,
    known: s.known,
    error: s.error,
  }));
  if (drift.length > 0 || scans.some((s) => s.error))
    logger.warn('Reconciliation found drift', { drift, scans });
  else logger.info('Reconciliation found no drift', { scans, candidates: report.candidates.length });
}
