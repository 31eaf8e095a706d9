import type { Credentials } from '../ports/platform.ts';
import { Secret } from '../secret.ts';
import { CredentialDecryptionError } from './errors.ts';

/**
 * The context as one deterministic string: keys sorted by code unit, so that `{a, b}` and `{b, a}` bind the
 * same AES-GCM additional data.
 */
export function canonicalContext(context: Readonly<Record<string, string>>): string {
  const sorted = Object.keys(context)
    .sort()
    .map((name) => [name, context[name]] as const);
  return JSON.stringify(Object.fromEntries(sorted));
}

/** The plaintext that gets encrypted: JSON of `{name: value}`. The caller should zero it once used. */
export function encodeCredentials(credentials: Credentials): Buffer {
  const plain: Record<string, string> = {};
  for (const [name, value] of Object.entries(credentials)) plain[name] = value.reveal();
  return Buffer.from(JSON.stringify(plain), 'utf8');
}

/**
 * Parses decrypted plaintext back into {@link Secret}s. `where` names the sealed blob in the error (never the
 * plaintext, which is not even quoted when it fails to parse).
 */
export function decodeCredentials(plaintext: Uint8Array, where: string): Credentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(plaintext).toString('utf8'));
  } catch {
    // The parser's message quotes the text it choked on: keep it out of the cause.
    throw new CredentialDecryptionError(`${where}: decrypted payload is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CredentialDecryptionError(`${where}: decrypted payload is not an object`);
  }
  const credentials: Record<string, Secret> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') {
      throw new CredentialDecryptionError(
        `${where}: decrypted field ${JSON.stringify(name)} is not a string`,
      );
    }
    credentials[name] = new Secret(value);
  }
  return credentials;
}
