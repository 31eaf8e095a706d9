import type { Outcome } from '../ports/outcome-publisher.ts';

/** `source` of every outcome event on the EventBridge bus: the product. */
export const OUTCOME_SOURCE = 'provisioner';

/** EventBridge `detail-type` of each outcome, e.g. `Provisioning request succeeded`. */
export const OUTCOME_DETAIL_TYPES = {
  succeeded: 'Provisioning request succeeded',
  failed: 'Provisioning request failed',
  rejected: 'Provisioning request rejected',
} as const satisfies Record<Outcome, string>;
