import { describe, expect, it } from 'vitest';
import {
  CredentialDecryptionError,
  createLocalCipher,
  generateLocalKey,
  InvalidCipherKeyError,
  localKeyFromBase64,
} from '../../../shared/crypto/index.ts';
import type { SealedCredentials } from '../../../shared/ports/cipher.ts';
import { Secret } from '../../../shared/secret.ts';

const TOKEN = 'sub-token-6f3c2a91d4b84e0f';
const PASSWORD = 'pw-Zq8!mK2x';
const credentials = { subToken: new Secret(TOKEN), voipPwd: new Secret(PASSWORD) };
const context = { platform: 'cloopen', tenantId: 'tenant-1' };

function reveal(opened: Readonly<Record<string, Secret>>): Record<string, string> {
  return Object.fromEntries(Object.entries(opened).map(([name, value]) => [name, value.reveal()]));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

function flipByte(sealed: SealedCredentials, index: number): SealedCredentials {
  const blob = Buffer.from(sealed.ciphertext, 'base64');
  blob[index] = (blob[index] ?? 0) ^ 0x01;
  return { ...sealed, ciphertext: blob.toString('base64') };
}

describe('local AES-256-GCM cipher', () => {
  it('opens what it sealed, as Secrets with the same values', async () => {
    // Prepare
    const cipher = createLocalCipher({ keyId: 'local-1', key: generateLocalKey() });

    // Act
    const sealed = await cipher.seal(credentials, context);
    const opened = await cipher.open(sealed, context);

    // Assess
    expect(sealed.scheme).toBe('aes-256-gcm');
    expect(sealed.keyId).toBe('local-1');
    expect(Object.values(opened).every((value) => value instanceof Secret)).toBe(true);
    expect(reveal(opened)).toEqual({ subToken: TOKEN, voipPwd: PASSWORD });
  });

  it('lays the blob out as a 12-byte iv, a 16-byte tag and the encrypted JSON', async () => {
    // Prepare
    const cipher = createLocalCipher({ keyId: 'local-1', key: generateLocalKey() });
    const plaintextBytes = Buffer.byteLength(JSON.stringify({ subToken: TOKEN, voipPwd: PASSWORD }));

    // Act
    const sealed = await cipher.seal(credentials, context);

    // Assess
    expect(Buffer.from(sealed.ciphertext, 'base64').length).toBe(12 + 16 + plaintextBytes);
  });

  it('uses a different iv, hence a different ciphertext, for every seal of the same credentials', async () => {
    // Prepare
    const cipher = createLocalCipher({ keyId: 'local-1', key: generateLocalKey() });

    // Act
    const first = await cipher.seal(credentials, context);
    const second = await cipher.seal(credentials, context);

    // Assess
    const iv = (sealed: SealedCredentials) =>
      Buffer.from(sealed.ciphertext, 'base64').subarray(0, 12).toString('hex');
    expect(iv(first)).not.toBe(iv(second));
    expect(first.ciphertext).not.toBe(second.ciphertext);
  });

  it('binds the context regardless of key order', async () => {
    // Prepare
    const cipher = createLocalCipher({ keyId: 'local-1', key: generateLocalKey() });
    const sealed = await cipher.seal(credentials, { platform: 'cloopen', tenantId: 'tenant-1' });

    // Act
    const opened = await cipher.open(sealed, { tenantId: 'tenant-1', platform: 'cloopen' });

    // Assess
    expect(reveal(opened).subToken).toBe(TOKEN);
  });

  it('refuses a blob copied to another tenant (wrong context)', async () => {
    // Prepare
    const cipher = createLocalCipher({ keyId: 'local-1', key: generateLocalKey() });
    const sealed = await cipher.seal(credentials, context);

    // Act
    const error = await rejection(cipher.open(sealed, { platform: 'cloopen', tenantId: 'tenant-2' }));

    // Assess
    expect(error).toBeInstanceOf(CredentialDecryptionError);
  });

  it('refuses a blob sealed under another key with the same key id (wrong key)', async () => {
    // Prepare
    const sealer = createLocalCipher({ keyId: 'local-1', key: generateLocalKey() });
    const opener = createLocalCipher({ keyId: 'local-1', key: generateLocalKey() });
    const sealed = await sealer.seal(credentials, context);

    // Act
    const error = await rejection(opener.open(sealed, context));

    // Assess
    expect(error).toBeInstanceOf(CredentialDecryptionError);
  });

  it('refuses a blob whose key id it does not hold', async () => {
    // Prepare
    const sealer = createLocalCipher({ keyId: 'local-1', key: generateLocalKey() });
    const opener = createLocalCipher({ keyId: 'local-2', key: generateLocalKey() });
    const sealed = await sealer.seal(credentials, context);

    // Act
    const error = await rejection(opener.open(sealed, context));

    // Assess
    expect(error).toBeInstanceOf(CredentialDecryptionError);
    expect((error as Error).message).toContain('local-1');
  });

  it.each([
    ['the iv', 0],
    ['the tag', 12],
    ['the encrypted data', 30],
  ])('refuses a blob with a flipped bit in %s', async (_part, index) => {
    // Prepare
    const cipher = createLocalCipher({ keyId: 'local-1', key: generateLocalKey() });
    const sealed = await cipher.seal(credentials, context);

    // Act
    const error = await rejection(cipher.open(flipByte(sealed, index), context));

    // Assess
    expect(error).toBeInstanceOf(CredentialDecryptionError);
  });

  it('refuses a truncated blob and a blob of another scheme', async () => {
    // Prepare
    const cipher = createLocalCipher({ keyId: 'local-1', key: generateLocalKey() });
    const sealed = await cipher.seal(credentials, context);

    // Act
    const truncated = await rejection(
      cipher.open({ ...sealed, ciphertext: sealed.ciphertext.slice(0, 20) }, context),
    );
    const otherScheme = await rejection(cipher.open({ ...sealed, scheme: 'kms' }, context));

    // Assess
    expect(truncated).toBeInstanceOf(CredentialDecryptionError);
    expect(otherScheme).toBeInstanceOf(CredentialDecryptionError);
  });

  it('opens blobs sealed under a previous key after a rotation, and seals with the new one', async () => {
    // Prepare
    const oldKey = { keyId: 'local-1', key: generateLocalKey() };
    const sealedBefore = await createLocalCipher(oldKey).seal(credentials, context);
    const rotated = createLocalCipher({ keyId: 'local-2', key: generateLocalKey(), previousKeys: [oldKey] });

    // Act
    const opened = await rotated.open(sealedBefore, context);
    const sealedAfter = await rotated.seal(credentials, context);

    // Assess
    expect(reveal(opened).subToken).toBe(TOKEN);
    expect(sealedAfter.keyId).toBe('local-2');
  });

  it('never shows a secret in the sealed blob or in any error', async () => {
    // Prepare
    const cipher = createLocalCipher({ keyId: 'local-1', key: generateLocalKey() });
    const other = createLocalCipher({ keyId: 'local-1', key: generateLocalKey() });
    const sealed = await cipher.seal(credentials, context);

    // Act
    const errors = [
      await rejection(other.open(sealed, context)),
      await rejection(cipher.open(sealed, { ...context, tenantId: 'x' })),
      await rejection(cipher.open(flipByte(sealed, 40), context)),
    ];

    // Assess
    const shown = [
      JSON.stringify(sealed),
      Buffer.from(sealed.ciphertext, 'base64').toString('latin1'),
      ...errors.map((error) => `${JSON.stringify(error)} ${String(error)} ${(error as Error).stack}`),
      ...errors.map((error) => String((error as Error).cause)),
    ].join('\n');
    for (const secretValue of [TOKEN, PASSWORD]) expect(shown).not.toContain(secretValue);
    expect(errors.every((error) => error instanceof CredentialDecryptionError)).toBe(true);
  });

  it('rejects keys that are not 32 bytes', () => {
    // Act
    const build = () => createLocalCipher({ keyId: 'short', key: Buffer.alloc(16) });

    // Assess
    expect(build).toThrow(InvalidCipherKeyError);
  });
});

describe('localKeyFromBase64', () => {
  it('reads a 32-byte key from base64', () => {
    // Prepare
    const key = generateLocalKey();

    // Act
    const read = localKeyFromBase64(` ${key.toString('base64')}\n`);

    // Assess
    expect(read.equals(key)).toBe(true);
  });

  it.each([
    ['16 bytes', Buffer.alloc(16).toString('base64')],
    ['33 bytes', Buffer.alloc(33).toString('base64')],
    ['not base64', `${'*'.repeat(43)}=`],
    ['empty', ''],
  ])('rejects %s', (_what, text) => {
    // Act
    const read = () => localKeyFromBase64(text);

    // Assess
    expect(read).toThrow(InvalidCipherKeyError);
  });
});
