/**
 * Sealed credentials could not be opened: wrong key, wrong context (a blob copied from another account),
 * tampered or truncated ciphertext, or a scheme this cipher does not handle. The message names the key id
 * and what was expected, never any plaintext.
 */
export class CredentialDecryptionError extends Error {
  override readonly name = 'CredentialDecryptionError';

  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/** A local cipher key that is not 32 bytes (AES-256), or text that is not such a key in base64. */
export class InvalidCipherKeyError extends Error {
  override readonly name = 'InvalidCipherKeyError';

  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}
