import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { processEnvironment } from '../shared/config.ts';
import {
  type SweepDependencies,
  type SweepReport,
  sweepExpiredAccounts,
} from '../shared/domain/sweep-expired-accounts.ts';
import { logger, metrics } from '../shared/lambda/powertools.ts';
import { logSweep } from '../shared/lambda/sweep-report.ts';
import { buildSweepDependencies } from '../shared/runtime/sweep.ts';

/** What the schedule may pass: nothing, or a one-off override of the guard. */
export interface SweepEvent {
  readonly allowMass?: boolean | undefined;
  readonly dryRun?: boolean | undefined;
}

/** The scheduled sweep: suspends, then closes, accounts whose time has expired (see the README's policy). */
export function makeHandler(deps: () => SweepDependencies, now: () => Date = () => new Date()) {
  return middy<SweepEvent | null, SweepReport>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .handler(async (event) => {
      const options = { now: now(), allowMass: event?.allowMass, dryRun: event?.dryRun };
      const report = await sweepExpiredAccounts(options, deps());
      logSweep(logger, metrics, report);
      return report;
    });
}

let built: SweepDependencies | undefined;
/** The Lambda entry: the ledger and queue clients are built once per execution environment. */
export const handler = makeHandler(() => {
  built ??= buildSweepDependencies(processEnvironment());
  return built;
});
