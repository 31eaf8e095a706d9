import { processEnvironment } from '../shared/config.ts';
import type { ProvisioningDependencies } from '../shared/domain/dependencies.ts';
import { processMessage } from '../shared/domain/process-message.ts';
import { type DependencyContext, dependenciesOf } from '../shared/lambda/dependencies.ts';
import { fifoBatchHandler } from '../shared/lambda/fifo-batch.ts';
import { reportOutcome } from '../shared/lambda/outcome-log.ts';
import { logger, metrics, platformCallMetrics, platformSecretAlerts } from '../shared/lambda/powertools.ts';
import { loggerOf, queueConsumer } from '../shared/lambda/queue-consumer.ts';
import { batchSettingsOf, type QueueDependencies } from '../shared/lambda/queue-dependencies.ts';
import { provisioningRuntime, type RuntimeDependencies } from '../shared/runtime/index.ts';

/** What the handler needs; tests and the local stack inject their own. */
export type HandlerDependencies = QueueDependencies & { readonly provisioning: ProvisioningDependencies };

/** The SQS handler: FIFO partial batches, one provisioning request per record (see `processMessage`). */
export function makeHandler(
  deps: HandlerDependencies | (() => Promise<HandlerDependencies>),
  options: { readonly refreshAfterMs?: number } = {},
) {
  const logger = loggerOf(deps);
  const processRecord = fifoBatchHandler<DependencyContext<HandlerDependencies>>(
    (record, context) =>
      reportOutcome(logger, metrics, record, (m) => processMessage(m, dependenciesOf(context).provisioning)),
    batchSettingsOf,
  );
  return queueConsumer(deps, { ...options, metrics }).handler(processRecord);
}

/** What the handler takes from the composition root's output (shared with the local stack). */
export const handlerDependencies = (built: RuntimeDependencies): HandlerDependencies => ({
  ...built.runtime,
  ...built,
});

const secrets = platformSecretAlerts(logger, metrics);
const runtime = provisioningRuntime(processEnvironment(), platformCallMetrics(metrics), { secrets });
/** The Lambda entry: SDK clients once per execution environment, platforms re-read every 5 minutes. */
export const handler = makeHandler(async () => handlerDependencies(await runtime()), {
  refreshAfterMs: 300_000,
});
