/** The Cloopen (云通讯) platform client: build it with {@link createCloopenClient}. */
export {
  CLOOPEN_MAX_FRIENDLY_NAME,
  CLOOPEN_MAX_PAGE_SIZE,
  type CloopenClient,
  type CloopenClientDeps,
  type CloopenOperation,
  CloopenRestClient,
  createCloopenClient,
} from './client.ts';
export {
  CLOOPEN_SUCCESS,
  CloopenError,
  type CloopenErrorOptions,
  cloopenCategory,
  isSubAccountMissing,
} from './errors.ts';
export { type CloopenSignature, cloopenAuthorization, cloopenSig, signCloopenRequest } from './signing.ts';
export type {
  CloopenAccountInfo,
  CloopenFormat,
  CloopenSubAccountPage,
  CloopenSubAccountRecord,
} from './wire.ts';
