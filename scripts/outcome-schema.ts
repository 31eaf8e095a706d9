import { outcomeEventSchema } from '../shared/outcomes.ts';
import * as z from '../shared/zod.ts';

/**
 * The JSON Schema (draft 2020-12) of the outcome event, as published in `schemas/`, beside the request's
 * (kept out of `shared/` for the same reason: the generator stays out of the functions' bundles).
 */
export function outcomeEventJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://provisioner.invalid/schemas/outcome-event.schema.json',
    title: 'OutcomeEvent',
    ...z.toJSONSchema(outcomeEventSchema, { target: 'draft-2020-12' }),
  };
}
