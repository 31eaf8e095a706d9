import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { handlerDependencies, makeHandler } from '../../functions/process-provisioning-requests.ts';
import { startSqsPoller } from '../../local/poller.ts';
import { processEnvironment } from '../../shared/config.ts';
import { buildRuntimeDependencies } from '../../shared/runtime/index.ts';
import { hashSeed } from './prng.ts';

/**
 * The handler process of a chaos run: the real handler behind the local poller, in a process of its own so
 * the supervisor can SIGKILL it anywhere. It tells the supervisor each batch it receives (`@@chaos` lines on
 * stdout, beside the handler's own JSON logs), and hands a seeded share of successfully handled records to
 * the handler a second time, as an SQS at-least-once duplicate delivery.
 */

const env = processEnvironment();
const seed = Number(env.CHAOS_SEED ?? '1');
const duplicateShare = Number(env.CHAOS_DUPLICATE_SHARE ?? '0');
const built = await buildRuntimeDependencies(env);
const queueUrl = built.runtime.queueUrl;
if (!queueUrl) throw new Error('QUEUE_URL is required');
const handler = makeHandler(handlerDependencies(built));

function emit(message: Record<string, unknown>): void {
  process.stdout.write(`@@chaos ${JSON.stringify(message)}\n`);
}

const receiveCount = (r: SQSRecord) => Number(r.attributes.ApproximateReceiveCount || '1');

async function chaosHandler(event: SQSEvent, context: Parameters<typeof handler>[1]) {
  emit({ t: 'batch', d: event.Records.map((r) => [r.messageId, receiveCount(r)]) });
  const answer = (await handler(event, context)) as SQSBatchResponse | undefined;
  const failed = new Set((answer?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
  // Acknowledged deliveries: a malformed message must be acknowledged once, and never delivered after.
  emit({ t: 'acked', d: event.Records.filter((r) => !failed.has(r.messageId)).map((r) => r.messageId) });
  const again = event.Records.filter(
    (r) =>
      !failed.has(r.messageId) &&
      hashSeed(seed, `${r.body}#${receiveCount(r)}`) / 4_294_967_296 < duplicateShare,
  );
  if (again.length > 0) {
    emit({ t: 'dup', d: again.map((r) => r.messageId) });
    const records = again.map((r) => ({
      ...r,
      attributes: { ...r.attributes, ApproximateReceiveCount: String(receiveCount(r) + 1) },
    }));
    await handler({ Records: records }, context);
  }
  return answer;
}

startSqsPoller({
  sqs: built.sqs,
  queueUrl,
  handler: chaosHandler,
  waitTimeSeconds: 1,
  functionTimeoutMs: Number(env.CHAOS_FUNCTION_TIMEOUT_MS ?? '10000'),
});
emit({ t: 'ready' });
