import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { CredentialCipher, SealedCredentials } from '../ports/cipher.ts';
import type { Credentials } from '../ports/platform.ts';
import { canonicalContext, decodeCredentials, encodeCredentials } from './encoding.ts';
import { CredentialDecryptionError, InvalidCipherKeyError } from './errors.ts';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
/** 96-bit IVs are what GCM is specified for; random ones are safe for far more seals than we will make. */
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** One AES-256 key and the id recorded next to what it sealed. */
export interface LocalKey {
  readonly keyId: string;
  /** 32 bytes. */
  readonly key: Buffer;
}

/** Options of {@link createLocalCipher}. */
export interface LocalCipherOptions extends LocalKey {
  /** Older keys that may still open credentials sealed before a rotation; never used to seal. */
  readonly previousKeys?: readonly LocalKey[] | undefined;
}

/**
 * A {@link CredentialCipher} with a key held by the process (local stack, tests, or a key loaded from a
 * secret store): AES-256-GCM, a fresh random 12-byte IV per seal, a 16-byte tag, and the context's
 * canonical JSON (sorted keys) as additional authenticated data.
 *
 * `ciphertext` is base64 of `iv | tag | encrypted JSON of {name: value}`. Opening with another key, another
 * context or a modified blob fails with {@link CredentialDecryptionError}.
 */
export function createLocalCipher(options: LocalCipherOptions): CredentialCipher {
  const keys = new Map<string, Buffer>();
  for (const candidate of [options, ...(options.previousKeys ?? [])]) {
    assertKey(candidate.key, candidate.keyId);
    if (!keys.has(candidate.keyId)) keys.set(candidate.keyId, Buffer.from(candidate.key));
  }
  const sealingKey = Buffer.from(options.key);
  const sealingKeyId = options.keyId;

  return {
    async seal(
      credentials: Credentials,
      context: Readonly<Record<string, string>>,
    ): Promise<SealedCredentials> {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, sealingKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(canonicalContext(context), 'utf8'));
      const plaintext = encodeCredentials(credentials);
      try {
        const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
        const tag = cipher.getAuthTag();
        return {
          scheme: 'aes-256-gcm',
          keyId: sealingKeyId,
          ciphertext: Buffer.concat([iv, tag, data]).toString('base64'),
        };
      } finally {
        plaintext.fill(0);
      }
    },

    async open(sealed: SealedCredentials, context: Readonly<Record<string, string>>): Promise<Credentials> {
      const where = `credentials sealed with ${sealed.scheme} key ${JSON.stringify(sealed.keyId)}`;
      if (sealed.scheme !== 'aes-256-gcm') {
        throw new CredentialDecryptionError(`${where}: this cipher only opens aes-256-gcm`);
      }
      const key = keys.get(sealed.keyId);
      if (key === undefined) {
        throw new CredentialDecryptionError(
          `${where}: this cipher holds no such key (it has ${[...keys.keys()].map((id) => JSON.stringify(id)).join(', ')})`,
        );
      }
      const blob = Buffer.from(sealed.ciphertext, 'base64');
      if (blob.length < IV_BYTES + TAG_BYTES) {
        throw new CredentialDecryptionError(`${where}: ciphertext is too short to be sealed credentials`);
      }
      const decipher = createDecipheriv(ALGORITHM, key, blob.subarray(0, IV_BYTES), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(Buffer.from(canonicalContext(context), 'utf8'));
      decipher.setAuthTag(blob.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      let plaintext: Buffer;
      try {
        plaintext = Buffer.concat([decipher.update(blob.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
      } catch (error) {
        throw new CredentialDecryptionError(
          `${where}: authentication failed (wrong key, wrong context ${JSON.stringify(Object.keys(context).sort())}, or tampered ciphertext)`,
          error,
        );
      }
      try {
        return decodeCredentials(plaintext, where);
      } finally {
        plaintext.fill(0);
      }
    },
  };
}

/** Reads a local key from base64 (how it travels in configuration); throws unless it is exactly 32 bytes. */
export function localKeyFromBase64(text: string): Buffer {
  const trimmed = text.trim();
  // Buffer.from ignores characters outside the alphabet; check first so a typo is not silently a new key.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) && !/^[A-Za-z0-9_-]+={0,2}$/.test(trimmed)) {
    throw new InvalidCipherKeyError('Local cipher key is not base64');
  }
  const key = Buffer.from(trimmed, 'base64');
  assertKey(key, 'from base64');
  return key;
}

/** A fresh random 32-byte key, e.g. for the local stack (`generateLocalKey().toString('base64')`). */
export function generateLocalKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

function assertKey(key: Buffer, keyId: string): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    const length = Buffer.isBuffer(key) ? `${key.length} bytes` : typeof key;
    throw new InvalidCipherKeyError(
      `Local cipher key ${JSON.stringify(keyId)} must be ${KEY_BYTES} bytes, got ${length}`,
    );
  }
}
