import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { OutcomeEvent, OutcomePublisher } from '../ports/outcome-publisher.ts';
import { OutcomeNotAcceptedError } from './errors.ts';
import { OUTCOME_DETAIL_TYPES, OUTCOME_SOURCE } from './names.ts';

/**
 * Publishes outcome events to a custom EventBridge bus: `source` {@link OUTCOME_SOURCE}, `detail-type` per
 * outcome ({@link OUTCOME_DETAIL_TYPES}), `detail` the event itself.
 */
export function eventBridgePublisher(client: EventBridgeClient, eventBusName: string): OutcomePublisher {
  return {
    async publish(event: OutcomeEvent) {
      const answer = await client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: eventBusName,
              Source: OUTCOME_SOURCE,
              DetailType: OUTCOME_DETAIL_TYPES[event.outcome],
              Detail: JSON.stringify(event),
              Time: new Date(event.occurredAt),
            },
          ],
        }),
      );
      // PutEvents answers 200 even when an entry was refused: only the entry says so.
      const entry = answer.Entries?.[0];
      if ((answer.FailedEntryCount ?? 0) > 0 || entry?.ErrorCode || !entry?.EventId) {
        throw new OutcomeNotAcceptedError(
          `EventBridge bus ${eventBusName} did not accept the outcome event of ${event.requestId}: ${entry?.ErrorCode ?? 'no event id'} ${entry?.ErrorMessage ?? ''}`.trim(),
        );
      }
    },
  };
}
