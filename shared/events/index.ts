export { OutcomeNotAcceptedError } from './errors.ts';
export { eventBridgePublisher } from './eventbridge-publisher.ts';
export { OUTCOME_DETAIL_TYPES, OUTCOME_SOURCE } from './names.ts';
export { queuePublisher } from './queue-publisher.ts';
