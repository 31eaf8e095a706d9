import { Logger } from '@aws-lambda-powertools/logger';
import { handlerDependencies, makeHandler } from '../../functions/process-provisioning-requests.ts';
import { startSqsPoller } from '../../local/poller.ts';
import { processEnvironment } from '../../shared/config.ts';
import { buildRuntimeDependencies } from '../../shared/runtime/index.ts';

/**
 * A separate process running the real handler behind the poller, so a test can kill it with SIGKILL at
 * the worst moment, like a Lambda execution environment that dies mid-invocation.
 */
const built = await buildRuntimeDependencies(processEnvironment());
const queueUrl = built.runtime.queueUrl;
if (!queueUrl) throw new Error('QUEUE_URL is required');
const handler = makeHandler({
  ...handlerDependencies(built),
  logger: new Logger({ serviceName: 'provisioner-worker', logLevel: 'SILENT' }),
});
startSqsPoller({ sqs: built.sqs, queueUrl, handler, waitTimeSeconds: 1 });
process.stdout.write('ready\n');
