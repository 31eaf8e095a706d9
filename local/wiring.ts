import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  handlerDependencies,
  makeHandler as makeProvisioningHandler,
} from '../functions/process-provisioning-requests.ts';
import {
  type ProbeDependencies,
  probeQuarantinedPlatforms,
} from '../shared/domain/probe-quarantined-platforms.ts';
import { type SweepDependencies, sweepExpiredAccounts } from '../shared/domain/sweep-expired-accounts.ts';
import { createLedgerTable } from '../shared/ledger/index.ts';
import { buildRuntimeDependencies } from '../shared/runtime/index.ts';
import { probeRuntime } from '../shared/runtime/probe.ts';
import { buildSweepDependencies } from '../shared/runtime/sweep.ts';
import { startLocalSimulators } from '../simulators/local.ts';
import type { SqsHandler } from './poller.ts';
import type { LocalSchedule } from './schedules.ts';
import type { StartedSimulators } from './stack.ts';

/**
 * The pieces `npm start` runs, in one place so `local/start.ts` and `local/stack.ts` know none of them.
 * `startLocalStack` takes each as an option; tests inject trivial ones instead.
 */

/** Creates the ledger table (idempotent: a persisted data directory already has it). */
export async function createTables(dynamodb: DynamoDBClient, tableName: string): Promise<void> {
  await createLedgerTable(dynamodb, tableName);
}

/** Starts every platform's simulator, on `firstPort` and the next ports when given. */
export async function startSimulators(ports: { firstPort?: number | undefined }): Promise<StartedSimulators> {
  const simulators = await startLocalSimulators({ firstPort: ports.firstPort });
  return { env: simulators.env, close: () => simulators.close() };
}

/** The deployed function's handler, built from the stack's environment exactly as Lambda builds it. */
export async function makeHandler(env: Readonly<Record<string, string>>): Promise<SqsHandler> {
  return makeProvisioningHandler(handlerDependencies(await buildRuntimeDependencies(env)));
}

/** The expiry sweep every `everyMs`, as the deployed schedule runs it (`npm start -- --sweep-every`). */
export function sweepSchedule(everyMs: number): LocalSchedule {
  let deps: SweepDependencies | undefined;
  return {
    name: 'expiry sweep',
    everyMs,
    async run(env) {
      // Built once, like the deployed function's clients, not per run.
      deps ??= buildSweepDependencies(env);
      const report = await sweepExpiredAccounts({ now: new Date() }, deps);
      if (report.guardTripped) {
        return `guard tripped: ${report.actions.length} due, over the threshold of ${report.threshold}; nothing done`;
      }
      return `${report.actions.length} due, ${report.sent} request(s) queued`;
    },
  };
}

/** The quarantine prober every `everyMs`, as the deployed one-minute schedule runs it. */
export function probeSchedule(everyMs: number): LocalSchedule {
  let deps: (() => Promise<ProbeDependencies>) | undefined;
  return {
    name: 'quarantine probe',
    everyMs,
    async run(env) {
      deps ??= probeRuntime(env);
      const results = await probeQuarantinedPlatforms(new Date(), await deps());
      const acted = results.filter((r) => r.outcome !== 'waiting');
      return acted.length === 0
        ? undefined
        : acted
            .map((r) => `${r.platform} ${r.outcome}${r.released ? ` (${r.released} released)` : ''}`)
            .join('; ');
    },
  };
}
