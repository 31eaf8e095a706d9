import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { provisioningRequestJsonSchema } from './request-schema.ts';

/** Regenerates the published JSON Schema of the event contract from the zod schema. */
const target = fileURLToPath(new URL('../schemas/provisioning-request.schema.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(provisioningRequestJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target}`);
