import { createRequestContract } from './domain/request.ts';
import { platformModules } from './platforms/registry.ts';

/**
 * The event contract of the registered platforms, composed once: what producers validate against, what
 * the handler parses, and what `npm run schema` publishes (`scripts/request-schema.ts`).
 */
export const requestContract = createRequestContract(platformModules);

/** The zod schema of a provisioning request. */
export const provisioningRequestSchema = requestContract.schema;

/** Parses and validates one message body; never throws. */
export const parseProvisioningRequest = (body: string) => requestContract.parse(body);

export {
  type Action,
  MAX_REQUEST_BYTES,
  type ParsedRequest,
  type ProvisioningRequest,
  type ProvisioningRequestInput,
} from './domain/request.ts';
