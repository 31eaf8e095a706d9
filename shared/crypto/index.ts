export { CredentialDecryptionError, InvalidCipherKeyError } from './errors.ts';
export { createKmsCipher, type KmsCipherOptions, type KmsClientLike } from './kms-cipher.ts';
export {
  createLocalCipher,
  generateLocalKey,
  type LocalCipherOptions,
  type LocalKey,
  localKeyFromBase64,
} from './local-cipher.ts';
