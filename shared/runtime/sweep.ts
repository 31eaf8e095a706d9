import { type Environment, loadBaseConfig, loadSweepConfig, type SweepConfig } from '../config.ts';
import type { SweepDependencies, SweepSettings } from '../domain/sweep-expired-accounts.ts';
import { ConfigurationError } from '../errors.ts';
import { platformModules, platformNames } from '../platforms/registry.ts';
import type { Ledger } from '../ports/ledger.ts';
import type { RequestQueue } from '../ports/request-queue.ts';
import { SqsRequestQueue } from '../producer/index.ts';
import { buildLedger } from './ledger.ts';
import { buildQueueClient } from './producer.ts';

/** The sweep's settings from its configuration. */
export function sweepSettings(config: SweepConfig): SweepSettings {
  return {
    policies: new Map([...config.graceDays].map(([name, graceDays]) => [name, { graceDays }])),
    defaultPolicy: { graceDays: config.defaultGraceDays },
    guardMinimum: config.guardMinimum,
    guardPercent: config.guardPercent,
    maxActionsPerRun: config.maxActionsPerRun,
  };
}

/** What the sweep needs, around a ledger and a queue the caller already has (the CLI's target). */
export function sweepDependencies(ledger: Ledger, queue: RequestQueue, env: Environment): SweepDependencies {
  return {
    ledger,
    queue,
    platforms: platformModules.map((p) => ({ name: p.name, capabilities: p.capabilities })),
    settings: sweepSettings(loadSweepConfig(env, platformNames)),
  };
}

/** The sweep function's composition root: the ledger, the provisioning queue, the settings. */
export function buildSweepDependencies(env: Environment): SweepDependencies {
  const runtime = loadBaseConfig(env);
  if (runtime.queueUrl === undefined) {
    throw new ConfigurationError('QUEUE_URL is not set: the sweep puts its requests on that queue', [
      'QUEUE_URL',
    ]);
  }
  const queue = new SqsRequestQueue({ sqs: buildQueueClient(runtime), queueUrl: runtime.queueUrl });
  return sweepDependencies(buildLedger(runtime).ledger, queue, env);
}
