import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { RuntimeConfig } from '../config.ts';
import { eventBridgePublisher } from '../events/eventbridge-publisher.ts';
import { queuePublisher } from '../events/queue-publisher.ts';
import type { OutcomePublisher } from '../ports/outcome-publisher.ts';

/**
 * The outcome publisher the configuration names: the EventBridge bus (AWS), the local outcomes queue on the
 * function's SQS client (`npm start`), or none. Build once per execution environment.
 */
export function buildOutcomePublisher(runtime: RuntimeConfig, sqs: SQSClient): OutcomePublisher | undefined {
  const target = runtime.outcomes;
  if (target === undefined) return undefined;
  if (target.kind === 'queue') return queuePublisher(sqs, target.queueUrl);
  return eventBridgePublisher(new EventBridgeClient({ region: runtime.region }), target.busName);
}
