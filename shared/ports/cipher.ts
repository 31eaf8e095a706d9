import type { Credentials } from './platform.ts';

/** Credentials as stored: opaque ciphertext plus what is needed to open it again. */
export interface SealedCredentials {
  /** `aes-256-gcm` (local key) or `kms` (AWS KMS). */
  readonly scheme: 'aes-256-gcm' | 'kms';
  /** Which key sealed it: a local key id, or the KMS key ARN. */
  readonly keyId: string;
  /** Base64 of the ciphertext (for AES-GCM: iv, tag and ciphertext). */
  readonly ciphertext: string;
}

/**
 * Encrypts sub-account credentials before they are stored. `context` (platform and tenant) is bound to the
 * ciphertext (AES-GCM additional data, KMS encryption context), so a blob copied to another account's
 * record does not open.
 */
export interface CredentialCipher {
  seal(credentials: Credentials, context: Readonly<Record<string, string>>): Promise<SealedCredentials>;
  open(sealed: SealedCredentials, context: Readonly<Record<string, string>>): Promise<Credentials>;
}
