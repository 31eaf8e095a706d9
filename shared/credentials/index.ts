export {
  CredentialsAccessDeniedError,
  CredentialsAccountNotFoundError,
  CredentialsIncompleteError,
  CredentialsNotProvisionedError,
  type CredentialsPermission,
  CredentialsReadError,
} from './errors.ts';
export {
  type AccountCredentials,
  type CredentialsReader,
  type CredentialsReaderOptions,
  createCredentialsReader,
  type ReadCredentialsOptions,
} from './reader.ts';
export { CREDENTIALS_READER_TAG_KEY } from './tag.ts';
