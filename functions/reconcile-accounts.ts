import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { processEnvironment } from '../shared/config.ts';
import {
  type ReconcileDependencies,
  type ReconcileReport,
  reconcileAccounts,
} from '../shared/domain/reconcile-accounts.ts';
import { logger, metrics, platformSecretAlerts } from '../shared/lambda/powertools.ts';
import { logReconcile } from '../shared/lambda/reconcile-report.ts';
import { reconcileRuntime } from '../shared/runtime/reconcile.ts';

/** The scheduled reconciliation: reports drift between the ledger and the platforms; changes nothing. */
export function makeHandler(deps: () => Promise<ReconcileDependencies>, now: () => Date = () => new Date()) {
  return middy<unknown, ReconcileReport>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .handler(async () => {
      const report = await reconcileAccounts({ now: now() }, await deps());
      logReconcile(logger, metrics, report);
      return report;
    });
}

let runtime: (() => Promise<ReconcileDependencies>) | undefined;
/** The Lambda entry: clients once per execution environment, platforms re-read as their secret changes. */
export const handler = makeHandler(() => {
  runtime ??= reconcileRuntime(processEnvironment(), { secrets: platformSecretAlerts(logger, metrics) });
  return runtime();
});
