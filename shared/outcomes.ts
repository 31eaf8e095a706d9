import { ACCOUNT_STATES } from './ports/ledger.ts';
import { OUTCOME_SCHEMA_VERSION, OUTCOMES, type OutcomeEvent } from './ports/outcome-publisher.ts';
import * as z from './zod.ts';

/**
 * The outcome events, for their consumers (a signup flow): the zod schema the published JSON Schema
 * (`schemas/outcome-event.schema.json`) is generated from, and a typed parser.
 *
 * @module
 */

export { OUTCOME_DETAIL_TYPES, OUTCOME_SOURCE } from './events/names.ts';
export {
  OUTCOME_SCHEMA_VERSION,
  OUTCOMES,
  type Outcome,
  type OutcomeEvent,
  type OutcomePublisher,
} from './ports/outcome-publisher.ts';

const nullable = <T extends z.ZodMiniType>(schema: T, description: string) =>
  z.described(z.nullable(schema), description);
const text = z.string().check(z.minLength(1));

/** The zod schema of an {@link OutcomeEvent}. Unknown fields are refused, as in the request contract. */
export const outcomeEventSchema = z.strictObject({
  schemaVersion: z.described(z.literal(OUTCOME_SCHEMA_VERSION), 'Version of this shape'),
  requestId: z.described(text, 'The request this event concludes: deduplicate by it'),
  action: nullable(text, 'create | suspend | resume | update | close; null when the message was unreadable'),
  platform: nullable(text, 'The platform; null when the message named no registered one'),
  tenantId: nullable(text, 'The tenant; null when the message named no valid one'),
  outcome: z.described(
    z.enum(OUTCOMES),
    'succeeded: applied; failed: refused by the platform for good; rejected: not applicable or malformed',
  ),
  result: nullable(
    text,
    'What was done when it succeeded: created, adopted, suspended, resumed, updated, closed, no-change, …',
  ),
  state: nullable(
    z.enum(ACCOUNT_STATES),
    "The account's state after the request; null when there is no account",
  ),
  version: nullable(
    z.number().check(z.int(), z.positive()),
    "The account's ledger version after the request: order a tenant's events by it",
  ),
  subAccountId: nullable(text, "The platform's sub-account id, once there is one"),
  error: nullable(
    z.strictObject({ reason: text, message: z.string() }),
    'Why it failed or was rejected; null when it succeeded',
  ),
  occurredAt: z.described(z.iso.datetime(), 'When the ledger concluded the request (ISO 8601 UTC)'),
});

// The port's interface and the schema are one shape: a change to either without the other fails here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShape: Same<z.infer<typeof outcomeEventSchema>, OutcomeEvent> = true;
void sameShape;

/** The outcome of {@link parseOutcomeEvent}. */
export type ParsedOutcomeEvent =
  | { readonly ok: true; readonly event: OutcomeEvent }
  | { readonly ok: false; readonly issues: readonly string[] };

/**
 * Parses one outcome event: a JSON text or an already parsed value, either the event itself (what the
 * example queue and the local outcomes queue carry) or a whole EventBridge event whose `detail` it is (what
 * a rule without an input path delivers). Never throws.
 */
export function parseOutcomeEvent(input: unknown): ParsedOutcomeEvent {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      return { ok: false, issues: ['body: not valid JSON'] };
    }
  }
  if (typeof value === 'object' && value !== null && 'detail-type' in value && 'detail' in value) {
    value = (value as { detail: unknown }).detail;
  }
  const parsed = outcomeEventSchema.safeParse(value);
  if (parsed.success) return { ok: true, event: parsed.data as OutcomeEvent };
  return {
    ok: false,
    issues: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`),
  };
}
