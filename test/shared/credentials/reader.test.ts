import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProvisioningRequestInput } from '../../../shared/contract.ts';
import {
  CredentialsAccessDeniedError,
  CredentialsAccountNotFoundError,
  CredentialsIncompleteError,
  CredentialsNotProvisionedError,
  type CredentialsReader,
  createCredentialsReader,
} from '../../../shared/credentials/index.ts';
import {
  CredentialDecryptionError,
  createKmsCipher,
  createLocalCipher,
} from '../../../shared/crypto/index.ts';
import type { AccountRecord } from '../../../shared/ports/ledger.ts';
import { Secret } from '../../../shared/secret.ts';
import { type FakeKmsServer, startFakeKms, startRefusingAwsEndpoint } from '../../support/fake-kms.ts';
import { startTestPipeline, type TestPipeline } from '../../support/pipeline.ts';

const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/0b6c7f4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f';
const LOCAL = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

let pipeline: TestPipeline;
/** A client of its own, as a signup flow would have: the reader shares nothing with the handler. */
let dynamodb: DynamoDBClient;
let reader: CredentialsReader;
let tableName: string;

beforeAll(async () => {
  pipeline = await startTestPipeline();
  pipeline.startPoller();
  tableName = String(pipeline.env.LEDGER_TABLE_NAME);
  dynamodb = pipeline.db.createClient();
  // The local key the pipeline seals with, loaded the way a reader would load it.
  const key = Buffer.from(String(pipeline.env.CREDENTIALS_LOCAL_KEY), 'base64');
  reader = createCredentialsReader({
    dynamodb,
    tableName,
    cipher: createLocalCipher({ keyId: 'local', key }),
  });
});

afterAll(async () => {
  dynamodb?.destroy();
  await pipeline?.stop();
});

const revealAll = (credentials: Readonly<Record<string, Secret>>) =>
  Object.fromEntries(Object.entries(credentials).map(([name, value]) => [name, value.reveal()]));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** A minimal account record of one tenant, for the cases the pipeline does not produce on its own. */
function record(tenantId: string, fields: Partial<AccountRecord> = {}): AccountRecord {
  const at = new Date().toISOString();
  return {
    platform: 'baijiayun',
    tenantId,
    state: 'active',
    version: 1,
    createdAt: at,
    updatedAt: at,
    ...fields,
  };
}

describe('the credentials reader on the local pipeline (dynalite, local cipher, simulators)', () => {
  it('returns exactly the Cloopen credentials the platform issued', async () => {
    // Prepare
    const tenantId = 'reader-cl-1';
    const create: ProvisioningRequestInput = {
      schemaVersion: 1,
      requestId: 'reader-cl-1-create',
      action: 'create',
      platform: 'cloopen',
      tenantId,
      profile: { friendlyName: 'reader-cl-1@example.com' },
    };
    await pipeline.send([create]);
    await pipeline.until({ platform: 'cloopen', tenantId }, (r) => r.state === 'active');

    // Act
    const read = await reader.read({ platform: 'cloopen', tenantId }, { expect: ['subToken', 'voipPwd'] });

    // Assess
    const issued = pipeline.simulators.cloopen.state.accounts.find(
      (a) => a.friendlyName === 'reader-cl-1@example.com',
    );
    expect(issued).toBeDefined();
    expect(read).toMatchObject({ platform: 'cloopen', tenantId, state: 'active' });
    expect(read.subAccountId).toBe(issued?.subAccountSid);
    expect(revealAll(read.credentials)).toEqual({
      voipAccount: issued?.voipAccount,
      subToken: issued?.subToken,
      voipPwd: issued?.voipPwd,
    });
    expect(read.credentials.subToken).toBeInstanceOf(Secret);
    expect(JSON.stringify(read)).not.toContain(String(issued?.subToken));
  });

  it('returns exactly the Baijiayun credentials the platform issued, the generated password included', async () => {
    // Prepare
    const tenantId = 'reader-bj-1';
    const mobile = '13900000071';
    await pipeline.send([
      {
        schemaVersion: 1,
        requestId: 'reader-bj-1-create',
        action: 'create',
        platform: 'baijiayun',
        tenantId,
        expiresAt: '2027-01-31T00:00:00Z',
        profile: { mobile, email: 'reader-bj-1@example.com' },
      },
    ]);
    await pipeline.until({ platform: 'baijiayun', tenantId }, (r) => r.state === 'active');

    // Act
    const read = await reader.read(
      { platform: 'baijiayun', tenantId },
      { expect: ['partnerKey', 'secretKey', 'password'] },
    );

    // Assess
    const issued = pipeline.simulators.baijiayun.state.byMobile(mobile);
    expect(issued).toBeDefined();
    expect(read.subAccountId).toBe(String(issued?.partner_id));
    expect(revealAll(read.credentials)).toEqual({
      password: issued?.password,
      partnerKey: issued?.partner_key,
      secretKey: issued?.secret_key,
    });
    expect(read.credentials.partnerKey.reveal()).toBe(issued?.partner_key);
  });

  it('says an account is not there, or holds no credentials yet, with typed errors', async () => {
    // Prepare
    await pipeline.runtime.provisioning.ledger.createAccount(record('reader-pending', { state: 'pending' }));

    // Act
    const missing = await rejection(reader.read({ platform: 'baijiayun', tenantId: 'reader-nobody' }));
    const pending = await rejection(reader.read({ platform: 'baijiayun', tenantId: 'reader-pending' }));
    const hostile = await rejection(reader.read({ platform: 'baijiayun', tenantId: 'x#STATE' }));

    // Assess
    expect(missing).toBeInstanceOf(CredentialsAccountNotFoundError);
    expect((missing as Error).message).toMatch(/No account baijiayun\/reader-nobody/);
    expect(pending).toBeInstanceOf(CredentialsNotProvisionedError);
    expect(pending).toMatchObject({ state: 'pending' });
    expect(hostile).toBeInstanceOf(CredentialsAccountNotFoundError);
  });

  it('refuses credentials copied onto another account (the context binds the tenant), and a missing name', async () => {
    // Prepare: the Baijiayun tenant's sealed blob on a record of another tenant.
    const original = await pipeline.account({ platform: 'baijiayun', tenantId: 'reader-bj-1' });
    await pipeline.runtime.provisioning.ledger.createAccount(
      record('reader-copy', { credentials: original?.credentials }),
    );

    // Act
    const copied = await rejection(reader.read({ platform: 'baijiayun', tenantId: 'reader-copy' }));
    const incomplete = await rejection(
      reader.read({ platform: 'baijiayun', tenantId: 'reader-bj-1' }, { expect: ['voipPwd'] }),
    );

    // Assess
    expect(copied).toBeInstanceOf(CredentialDecryptionError);
    expect(incomplete).toBeInstanceOf(CredentialsIncompleteError);
    expect(incomplete).toMatchObject({ missing: ['voipPwd'] });
    expect((incomplete as Error).message).toMatch(
      /holds no voipPwd \(it holds password, partnerKey, secretKey\)/,
    );
  });

  it('names dynamodb:GetItem on the table when DynamoDB refuses the read', async () => {
    // Prepare: an endpoint answering as DynamoDB does to a caller without the permission.
    const refusing = await startRefusingAwsEndpoint('com.amazonaws.dynamodb.v20120810#AccessDeniedException');
    const client = new DynamoDBClient({ ...LOCAL, endpoint: refusing.endpoint, maxAttempts: 1 });
    const denied = createCredentialsReader({ dynamodb: client, tableName: 'ledger-x', cipher: kmsUnused() });

    // Act
    const error = await rejection(denied.read({ platform: 'cloopen', tenantId: 't1' }));
    client.destroy();
    await refusing.close();

    // Assess
    expect(error).toBeInstanceOf(CredentialsAccessDeniedError);
    expect(error).toMatchObject({ permission: 'dynamodb:GetItem', resource: 'ledger-x' });
    expect((error as Error).message).toMatch(/lacks dynamodb:GetItem on table ledger-x/);
    expect((error as Error).cause).toMatchObject({ name: 'AccessDeniedException' });
  });
});

function kmsUnused() {
  return createKmsCipher({
    client: new KMSClient({ ...LOCAL, endpoint: 'http://127.0.0.1:9' }),
    keyId: KEY_ARN,
  });
}

describe('the credentials reader with KMS (real KMS client, fake KMS over HTTP, dynalite)', () => {
  let kms: FakeKmsServer;
  let kmsClient: KMSClient;
  const SUB_TOKEN = 'sub-token-Zq81';

  beforeAll(async () => {
    kms = await startFakeKms(KEY_ARN);
    kmsClient = new KMSClient({ ...LOCAL, endpoint: kms.endpoint, maxAttempts: 1 });
    // Sealed as the handler seals in AWS: the platform and tenant as encryption context.
    const cipher = createKmsCipher({ client: kmsClient, keyId: 'alias/provisioner-credentials' });
    const sealed = await cipher.seal(
      { subToken: new Secret(SUB_TOKEN), voipPwd: new Secret('voip-pwd-77') },
      { platform: 'cloopen', tenantId: 'reader-kms' },
    );
    await pipeline.runtime.provisioning.ledger.createAccount({
      ...record('reader-kms', { credentials: sealed, subAccountId: 'sid-kms' }),
      platform: 'cloopen',
    });
  });

  afterAll(async () => {
    kmsClient?.destroy();
    await kms?.close();
  });

  it('decrypts with the key recorded with the blob and exactly the sealing context', async () => {
    // Prepare
    const kmsReader = createCredentialsReader({
      dynamodb,
      tableName,
      cipher: createKmsCipher({ client: kmsClient, keyId: KEY_ARN }),
    });
    kms.calls.length = 0;

    // Act
    const read = await kmsReader.read({ platform: 'cloopen', tenantId: 'reader-kms' });

    // Assess
    expect(revealAll(read.credentials)).toEqual({ subToken: SUB_TOKEN, voipPwd: 'voip-pwd-77' });
    expect(read.subAccountId).toBe('sid-kms');
    expect(kms.calls.map((c) => c.operation)).toEqual(['Decrypt']);
    expect(kms.calls[0]?.body).toMatchObject({
      KeyId: KEY_ARN,
      EncryptionContext: { platform: 'cloopen', tenantId: 'reader-kms' },
    });
  });

  it('names kms:Decrypt on the key when KMS refuses, without any value in the message', async () => {
    // Prepare
    const kmsReader = createCredentialsReader({
      dynamodb,
      tableName,
      cipher: createKmsCipher({ client: kmsClient, keyId: KEY_ARN }),
    });
    kms.refuse('Decrypt', 'AccessDeniedException');

    // Act
    const error = await rejection(kmsReader.read({ platform: 'cloopen', tenantId: 'reader-kms' }));
    kms.refuse('Decrypt', undefined);

    // Assess
    expect(error).toBeInstanceOf(CredentialsAccessDeniedError);
    expect(error).toMatchObject({ permission: 'kms:Decrypt', resource: KEY_ARN });
    expect((error as Error).message).toMatch(/may not kms:Decrypt with key arn:aws:kms:/);
    expect((error as Error).message).toMatch(/provisioner:credentials-reader/);
    expect((error as Error).message).not.toContain(SUB_TOKEN);
  });
});
