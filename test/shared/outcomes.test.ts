import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { outcomeEventJsonSchema } from '../../scripts/outcome-schema.ts';
import { OUTCOME_DETAIL_TYPES, type OutcomeEvent, parseOutcomeEvent } from '../../shared/outcomes.ts';

const event: OutcomeEvent = {
  schemaVersion: 1,
  requestId: 'signup-7f3a',
  action: 'create',
  platform: 'baijiayun',
  tenantId: 'cust_42',
  outcome: 'succeeded',
  result: 'created',
  state: 'active',
  version: 1,
  subAccountId: '99443134',
  error: null,
  occurredAt: '2026-11-23T11:09:44.949Z',
};

describe('parseOutcomeEvent', () => {
  it('reads an event from JSON text, from a value, and out of an EventBridge envelope', () => {
    expect(parseOutcomeEvent(JSON.stringify(event))).toEqual({ ok: true, event });
    expect(parseOutcomeEvent(event)).toEqual({ ok: true, event });
    const envelope = {
      version: '0',
      'detail-type': OUTCOME_DETAIL_TYPES.succeeded,
      source: 'provisioner',
      detail: event,
    };
    expect(parseOutcomeEvent(envelope)).toEqual({ ok: true, event });
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['an unknown outcome', { ...event, outcome: 'done' }, /outcome/],
    ['a missing field', { ...event, state: undefined }, /state/],
    ['an unknown field', { ...event, profile: { mobile: '13800000042' } }, /profile/],
    ['another schema version', { ...event, schemaVersion: 2 }, /schemaVersion/],
    ['a time that is not ISO 8601', { ...event, occurredAt: 'yesterday' }, /occurredAt/],
  ])('refuses %s, naming the problem', (_what, input, problem) => {
    const parsed = parseOutcomeEvent(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues.join('\n')).toMatch(problem);
  });
});

describe('the published JSON Schema of the outcome event', () => {
  it('is exactly what the zod schema generates (run `npm run schema` after changing the event)', () => {
    const published = JSON.parse(
      readFileSync(new URL('../../schemas/outcome-event.schema.json', import.meta.url), 'utf8'),
    );
    expect(published).toEqual(outcomeEventJsonSchema());
    expect(published.required).toEqual(Object.keys(event));
    expect(published.additionalProperties).toBe(false);
  });
});
