import {
  DecryptCommand,
  type DecryptCommandOutput,
  EncryptCommand,
  type EncryptCommandOutput,
} from '@aws-sdk/client-kms';
import { isTransientAwsError } from '../aws/transient.ts';
import { DependencyUnavailableError } from '../domain/errors.ts';
import type { CredentialCipher, SealedCredentials } from '../ports/cipher.ts';
import type { Credentials } from '../ports/platform.ts';
import { decodeCredentials, encodeCredentials } from './encoding.ts';
import { CredentialDecryptionError } from './errors.ts';

/** What the KMS cipher needs of a client: `KMSClient` fits, and so does a hand-written test double. */
export interface KmsClientLike {
  send(command: EncryptCommand): Promise<EncryptCommandOutput>;
  send(command: DecryptCommand): Promise<DecryptCommandOutput>;
}

/** Options of {@link createKmsCipher}. */
export interface KmsCipherOptions {
  /** A `KMSClient` (its retry strategy and timeouts are the caller's choice). */
  readonly client: KmsClientLike;
  /** The symmetric key that seals: key id, key ARN, alias name or alias ARN. */
  readonly keyId: string;
}

/** KMS answers these when the blob, key or context does not match: a bad blob, not a bad day. */
const DECRYPTION_FAILURES: ReadonlySet<string> = new Set([
  'InvalidCiphertextException',
  'IncorrectKeyException',
  'InvalidKeyUsageException',
]);

/**
 * A {@link CredentialCipher} backed by AWS KMS `Encrypt`/`Decrypt` (credentials are a few hundred bytes,
 * well under Encrypt's 4 KB limit, so no envelope encryption is needed). The context becomes the KMS
 * encryption context, which KMS binds to the ciphertext and writes to CloudTrail, so only non-secret
 * values belong in it (platform and tenant).
 *
 * `keyId` of a sealed blob is the key ARN KMS reports, so it still opens after an alias is repointed.
 * Throttling, KMS 5xx and network failures become `DependencyUnavailableError` (retryable); a blob that
 * does not open becomes {@link CredentialDecryptionError}; anything else (access denied, disabled key) is
 * rethrown as is.
 */
export function createKmsCipher(options: KmsCipherOptions): CredentialCipher {
  const { client, keyId } = options;

  return {
    async seal(
      credentials: Credentials,
      context: Readonly<Record<string, string>>,
    ): Promise<SealedCredentials> {
      const plaintext = encodeCredentials(credentials);
      let output: EncryptCommandOutput;
      try {
        output = await client.send(
          new EncryptCommand({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: { ...context } }),
        );
      } catch (error) {
        throw transient(error, `KMS Encrypt with key ${JSON.stringify(keyId)} failed`);
      } finally {
        plaintext.fill(0);
      }
      if (output.CiphertextBlob === undefined) {
        throw new Error(`KMS Encrypt with key ${JSON.stringify(keyId)} returned no ciphertext`);
      }
      return {
        scheme: 'kms',
        keyId: output.KeyId ?? keyId,
        ciphertext: Buffer.from(output.CiphertextBlob).toString('base64'),
      };
    },

    async open(sealed: SealedCredentials, context: Readonly<Record<string, string>>): Promise<Credentials> {
      const where = `credentials sealed with ${sealed.scheme} key ${JSON.stringify(sealed.keyId)}`;
      if (sealed.scheme !== 'kms') {
        throw new CredentialDecryptionError(`${where}: this cipher only opens kms`);
      }
      let output: DecryptCommandOutput;
      try {
        output = await client.send(
          new DecryptCommand({
            KeyId: sealed.keyId,
            CiphertextBlob: Buffer.from(sealed.ciphertext, 'base64'),
            EncryptionContext: { ...context },
          }),
        );
      } catch (error) {
        if (isNamed(error, DECRYPTION_FAILURES)) {
          throw new CredentialDecryptionError(
            `${where}: KMS refused to decrypt (wrong key, wrong context ${JSON.stringify(Object.keys(context).sort())}, or tampered ciphertext)`,
            error,
          );
        }
        throw transient(error, `KMS Decrypt of ${where} failed`);
      }
      if (output.Plaintext === undefined) {
        throw new CredentialDecryptionError(`${where}: KMS returned no plaintext`);
      }
      try {
        return decodeCredentials(output.Plaintext, where);
      } finally {
        output.Plaintext.fill(0);
      }
    },
  };
}

function transient(error: unknown, message: string): unknown {
  return isTransientAwsError(error) ? new DependencyUnavailableError(message, error) : error;
}

function isNamed(error: unknown, names: ReadonlySet<string>): boolean {
  return error instanceof Error && names.has(error.name);
}
