import { requestContract } from '../shared/contract.ts';
import * as z from '../shared/zod.ts';

/**
 * The JSON Schema (draft 2020-12) of the event contract, as published in `schemas/`. It lives here rather
 * than beside the contract so that zod's JSON Schema generator stays out of the functions' bundles.
 */
export function provisioningRequestJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://provisioner.invalid/schemas/provisioning-request.schema.json',
    title: 'ProvisioningRequest',
    ...z.toJSONSchema(requestContract.schema, { target: 'draft-2020-12' }),
  };
}
