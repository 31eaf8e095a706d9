import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { OutcomeEvent, OutcomePublisher } from '../ports/outcome-publisher.ts';
import { OutcomeNotAcceptedError } from './errors.ts';

/**
 * Publishes outcome events straight to an SQS queue, the body being the event: what `npm start` uses, having
 * no EventBridge. The deployed example queue receives the same bodies (its rule delivers the `detail`).
 */
export function queuePublisher(sqs: SQSClient, queueUrl: string): OutcomePublisher {
  return {
    async publish(event: OutcomeEvent) {
      const answer = await sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(event) }),
      );
      if (!answer.MessageId) {
        throw new OutcomeNotAcceptedError(`Queue ${queueUrl} returned no message id for ${event.requestId}`);
      }
    },
  };
}
