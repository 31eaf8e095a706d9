import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { outcomeEventJsonSchema } from './outcome-schema.ts';
import { provisioningRequestJsonSchema } from './request-schema.ts';

/** Regenerates the published JSON Schemas (the request contract and the outcome event) from the zod schemas. */
for (const [name, schema] of [
  ['provisioning-request', provisioningRequestJsonSchema()],
  ['outcome-event', outcomeEventJsonSchema()],
] as const) {
  const target = fileURLToPath(new URL(`../schemas/${name}.schema.json`, import.meta.url));
  writeFileSync(target, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${target}`);
}
