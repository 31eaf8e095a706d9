import { KMSClient } from '@aws-sdk/client-kms';
import type { RuntimeConfig } from '../config.ts';
import { createKmsCipher, createLocalCipher } from '../crypto/index.ts';
import type { CredentialCipher } from '../ports/cipher.ts';

/** The credential cipher: KMS in AWS, a local AES key on a laptop. Build once per execution environment. */
export function buildCipher(runtime: RuntimeConfig): CredentialCipher {
  const key = runtime.credentialsKey;
  if (key.kind === 'kms')
    return createKmsCipher({ client: new KMSClient({ region: runtime.region }), keyId: key.keyId });
  return createLocalCipher({ keyId: key.keyId, key: Buffer.from(key.key.reveal(), 'base64') });
}
