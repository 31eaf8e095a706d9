import { createServer } from 'node:net';
import {
  DecryptCommand,
  type DecryptCommandOutput,
  EncryptCommand,
  type EncryptCommandOutput,
  KMSClient,
} from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import {
  CredentialDecryptionError,
  createKmsCipher,
  type KmsClientLike,
} from '../../../shared/crypto/index.ts';
import { DependencyUnavailableError } from '../../../shared/domain/errors.ts';
import { Secret } from '../../../shared/secret.ts';

const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ALIAS = 'alias/provisioner-credentials';
const PARTNER_KEY = 'partner-key-Hq7Lz2Vx9Rk4';
const SECRET_KEY = 'secret-key-Tc3Nw8Pb5Ym1';
const credentials = { partnerKey: new Secret(PARTNER_KEY), secretKey: new Secret(SECRET_KEY) };
const context = { platform: 'baijiayun', tenantId: 'tenant-7' };

function awsError(name: string): Error {
  const error = new Error(`${name} from the fake`);
  error.name = name;
  return error;
}

/**
 * A stand-in for KMS, just enough to check our wiring: it resolves the alias to a key ARN, hands out opaque
 * random blobs, and decrypts only with the same key and the same encryption context, as KMS does.
 */
class FakeKms implements KmsClientLike {
  readonly calls: Array<EncryptCommand | DecryptCommand> = [];
  readonly #blobs = new Map<string, { keyArn: string; context: string; plaintext: Buffer }>();
  #nextFailure: Error | undefined;

  failNextCall(error: Error): void {
    this.#nextFailure = error;
  }

  send(command: EncryptCommand): Promise<EncryptCommandOutput>;
  send(command: DecryptCommand): Promise<DecryptCommandOutput>;
  async send(command: EncryptCommand | DecryptCommand): Promise<EncryptCommandOutput | DecryptCommandOutput> {
    this.calls.push(command);
    const failure = this.#nextFailure;
    this.#nextFailure = undefined;
    if (failure !== undefined) throw failure;
    if (command instanceof EncryptCommand) {
      const { KeyId, Plaintext, EncryptionContext } = command.input;
      if (KeyId !== ALIAS && KeyId !== KEY_ARN) throw awsError('NotFoundException');
      if (Plaintext === undefined) throw awsError('ValidationException');
      const blob = Buffer.from(crypto.getRandomValues(new Uint8Array(48)));
      this.#blobs.set(blob.toString('hex'), {
        keyArn: KEY_ARN,
        context: canonical(EncryptionContext),
        plaintext: Buffer.from(Plaintext),
      });
      return { CiphertextBlob: blob, KeyId: KEY_ARN, $metadata: {} };
    }
    const { KeyId, CiphertextBlob, EncryptionContext } = command.input;
    const stored = this.#blobs.get(Buffer.from(CiphertextBlob ?? []).toString('hex'));
    if (stored === undefined || stored.context !== canonical(EncryptionContext)) {
      throw awsError('InvalidCiphertextException');
    }
    if (KeyId !== undefined && KeyId !== stored.keyArn) throw awsError('IncorrectKeyException');
    return { Plaintext: Buffer.from(stored.plaintext), KeyId: stored.keyArn, $metadata: {} };
  }
}

function canonical(value: Record<string, string> | undefined): string {
  return JSON.stringify(Object.entries(value ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('KMS cipher (contract test of our wiring against a hand-written in-memory KMS stand-in)', () => {
  it('encrypts with the configured key and the context as encryption context, and opens it again', async () => {
    // Prepare
    const kms = new FakeKms();
    const cipher = createKmsCipher({ client: kms, keyId: ALIAS });

    // Act
    const sealed = await cipher.seal(credentials, context);
    const opened = await cipher.open(sealed, context);

    // Assess
    const [encrypt, decrypt] = kms.calls;
    expect(encrypt).toBeInstanceOf(EncryptCommand);
    expect(encrypt?.input).toMatchObject({ KeyId: ALIAS, EncryptionContext: context });
    expect(decrypt).toBeInstanceOf(DecryptCommand);
    expect(decrypt?.input).toMatchObject({ KeyId: KEY_ARN, EncryptionContext: context });
    expect(sealed).toMatchObject({ scheme: 'kms', keyId: KEY_ARN });
    expect(Object.values(opened).every((value) => value instanceof Secret)).toBe(true);
    expect(opened.partnerKey?.reveal()).toBe(PARTNER_KEY);
    expect(opened.secretKey?.reveal()).toBe(SECRET_KEY);
  });

  it('refuses a blob opened under another tenant context', async () => {
    // Prepare
    const cipher = createKmsCipher({ client: new FakeKms(), keyId: ALIAS });
    const sealed = await cipher.seal(credentials, context);

    // Act
    const error = await rejection(cipher.open(sealed, { ...context, tenantId: 'tenant-8' }));

    // Assess
    expect(error).toBeInstanceOf(CredentialDecryptionError);
  });

  it('refuses a tampered blob and a blob recorded under another key', async () => {
    // Prepare
    const cipher = createKmsCipher({ client: new FakeKms(), keyId: ALIAS });
    const sealed = await cipher.seal(credentials, context);
    const blob = Buffer.from(sealed.ciphertext, 'base64');
    blob[3] = (blob[3] ?? 0) ^ 0xff;

    // Act
    const tampered = await rejection(
      cipher.open({ ...sealed, ciphertext: blob.toString('base64') }, context),
    );
    const otherKey = await rejection(cipher.open({ ...sealed, keyId: `${KEY_ARN}0` }, context));
    const otherScheme = await rejection(cipher.open({ ...sealed, scheme: 'aes-256-gcm' }, context));

    // Assess
    expect(tampered).toBeInstanceOf(CredentialDecryptionError);
    expect(otherKey).toBeInstanceOf(CredentialDecryptionError);
    expect(otherScheme).toBeInstanceOf(CredentialDecryptionError);
  });

  it('turns KMS throttling into a retryable DependencyUnavailableError and rethrows access errors as they are', async () => {
    // Prepare
    const kms = new FakeKms();
    const cipher = createKmsCipher({ client: kms, keyId: ALIAS });
    const sealed = await cipher.seal(credentials, context);
    const denied = awsError('AccessDeniedException');

    // Act
    kms.failNextCall(awsError('ThrottlingException'));
    const throttled = await rejection(cipher.open(sealed, context));
    kms.failNextCall(denied);
    const refused = await rejection(cipher.seal(credentials, context));

    // Assess
    expect(throttled).toBeInstanceOf(DependencyUnavailableError);
    expect((throttled as DependencyUnavailableError).retryable).toBe(true);
    expect(refused).toBe(denied);
  });

  it('never shows a secret in the sealed blob, in what KMS is told besides the plaintext, or in errors', async () => {
    // Prepare
    const kms = new FakeKms();
    const cipher = createKmsCipher({ client: kms, keyId: ALIAS });
    const sealed = await cipher.seal(credentials, context);

    // Act
    const error = await rejection(cipher.open(sealed, { ...context, tenantId: 'other' }));

    // Assess
    const shown = [
      JSON.stringify(sealed),
      JSON.stringify(kms.calls.map((call) => ({ ...call.input, Plaintext: undefined }))),
      `${JSON.stringify(error)} ${String(error)} ${(error as Error).stack}`,
    ].join('\n');
    for (const value of [PARTNER_KEY, SECRET_KEY]) expect(shown).not.toContain(value);
  });

  it('works with a real KMSClient, whose network failure becomes a DependencyUnavailableError', async () => {
    // Prepare
    const port = await closedPort();
    const client = new KMSClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const cipher = createKmsCipher({ client, keyId: ALIAS });

    // Act
    const error = await rejection(cipher.seal(credentials, context));
    client.destroy();

    // Assess
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(String(error)).not.toContain(PARTNER_KEY);
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
