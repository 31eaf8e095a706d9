import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, type GetCommandOutput } from '@aws-sdk/lib-dynamodb';
import { KEY_PATTERN } from '../domain/fields.ts';
import { ACCOUNT_SORT_KEY, accountPartitionKey } from '../ledger/table.ts';
import type { CredentialCipher, SealedCredentials } from '../ports/cipher.ts';
import type { AccountKey, AccountState } from '../ports/ledger.ts';
import type { Credentials, PlatformName } from '../ports/platform.ts';
import type { Secret } from '../secret.ts';
import {
  CredentialsAccessDeniedError,
  CredentialsAccountNotFoundError,
  CredentialsIncompleteError,
  CredentialsNotProvisionedError,
} from './errors.ts';
import { CREDENTIALS_READER_TAG_KEY } from './tag.ts';

/** Options of {@link createCredentialsReader}. */
export interface CredentialsReaderOptions {
  /** A DynamoDB client (plain or document) with the caller's credentials. */
  readonly dynamodb: DynamoDBClient | DynamoDBDocumentClient;
  /** The ledger table (stack output `LedgerTableName`). */
  readonly tableName: string;
  /**
   * The cipher that sealed the credentials: `createKmsCipher` in AWS (any `keyId`, e.g. the stack's
   * `CredentialsKeyArn`: opening uses the key recorded with each blob), `createLocalCipher` locally.
   */
  readonly cipher: CredentialCipher;
}

/** Options of {@link CredentialsReader.read}. */
export interface ReadCredentialsOptions<TName extends string> {
  /**
   * Credential names the caller needs; the read fails with {@link CredentialsIncompleteError} when one is
   * missing, and the result is typed with them. The names each platform stores are in the README.
   */
  readonly expect?: readonly TName[] | undefined;
}

/** One account's credentials, unsealed: the values are {@link Secret}s (`reveal()` gives the text). */
export interface AccountCredentials<TName extends string = string> {
  readonly platform: PlatformName;
  readonly tenantId: string;
  /** The platform's id of the sub-account (the Cloopen `subAccountSid`, the Baijiayun `partner_id`). */
  readonly subAccountId: string | undefined;
  /** The account's ledger state: credentials of a suspended or closed account are returned too. */
  readonly state: AccountState;
  /** Keyed by the names the platform's plug-in stores them under. */
  readonly credentials: Credentials & Readonly<Record<TName, Secret>>;
}

/** Reads the unsealed credentials of one account; see {@link createCredentialsReader}. */
export interface CredentialsReader {
  read<TName extends string = string>(
    account: AccountKey,
    options?: ReadCredentialsOptions<TName>,
  ): Promise<AccountCredentials<TName>>;
}

/** Attributes the read fetches: the account record's personal data (its profile) never leaves the table. */
const PROJECTION = '#credentials, #subAccountId, #state';
const PROJECTION_NAMES = {
  '#credentials': 'credentials',
  '#subAccountId': 'subAccountId',
  '#state': 'state',
};

/**
 * A reader of sub-account credentials for the signup flow: one strongly consistent GetItem of the account
 * record (right after the create's outcome it is already there), then the cipher opens the sealed blob with
 * the encryption context it was sealed with, `{platform, tenantId}`.
 *
 * Failures are typed: {@link CredentialsAccountNotFoundError}, {@link CredentialsNotProvisionedError},
 * {@link CredentialsAccessDeniedError} (naming `dynamodb:GetItem` on the table or `kms:Decrypt` on the key),
 * `CredentialDecryptionError` from the cipher for a blob that does not open. Nothing here logs, and no
 * message carries a value.
 *
 * @example
 * const reader = createCredentialsReader({ dynamodb: new DynamoDBClient({}), tableName, cipher });
 * const { credentials } = await reader.read({ platform, tenantId }, { expect: ['partnerKey', 'secretKey'] });
 * credentials.partnerKey.reveal();
 */
export function createCredentialsReader(options: CredentialsReaderOptions): CredentialsReader {
  const { tableName, cipher } = options;
  const documents =
    options.dynamodb instanceof DynamoDBDocumentClient
      ? options.dynamodb
      : DynamoDBDocumentClient.from(options.dynamodb);

  return {
    async read<TName extends string = string>(
      account: AccountKey,
      readOptions: ReadCredentialsOptions<TName> = {},
    ): Promise<AccountCredentials<TName>> {
      const { platform, tenantId } = account;
      const name = `${platform}/${tenantId}`;
      // A tenant id outside the contract's alphabet can name no account, and `#` would reach other items.
      if (!KEY_PATTERN.test(platform) || !KEY_PATTERN.test(tenantId)) {
        throw new CredentialsAccountNotFoundError(`No account ${name}: not a platform and tenant id`);
      }
      let answer: GetCommandOutput;
      try {
        answer = await documents.send(
          new GetCommand({
            TableName: tableName,
            Key: { pk: accountPartitionKey(account), sk: ACCOUNT_SORT_KEY },
            ConsistentRead: true,
            ProjectionExpression: PROJECTION,
            ExpressionAttributeNames: PROJECTION_NAMES,
          }),
        );
      } catch (error) {
        if (isAccessDenied(error)) {
          throw new CredentialsAccessDeniedError(
            `Access denied reading the account record of ${name}: the caller lacks dynamodb:GetItem on table ${tableName} (account records, ACCOUNT#*); attach the stack's CredentialsReaderPolicyArn policy`,
            'dynamodb:GetItem',
            tableName,
            error,
          );
        }
        throw error;
      }
      const item = answer.Item;
      if (item === undefined) {
        throw new CredentialsAccountNotFoundError(`No account ${name} in ledger ${tableName}`);
      }
      const state = String(item.state) as AccountState;
      const sealed = sealedOf(item.credentials);
      if (sealed === undefined) {
        throw new CredentialsNotProvisionedError(
          `Account ${name} holds no credentials yet (state ${state}): its create has not succeeded`,
          state,
        );
      }
      let credentials: Credentials;
      try {
        credentials = await cipher.open(sealed, { platform, tenantId });
      } catch (error) {
        if (isAccessDenied(error)) {
          throw new CredentialsAccessDeniedError(
            `Access denied opening the credentials of ${name}: the caller may not kms:Decrypt with key ${sealed.keyId} under encryption context {platform, tenantId}; it needs the stack's CredentialsReaderPolicyArn policy and the tag ${CREDENTIALS_READER_TAG_KEY} = the stack name`,
            'kms:Decrypt',
            sealed.keyId,
            error,
          );
        }
        throw error;
      }
      const missing = (readOptions.expect ?? []).filter((n) => credentials[n] === undefined);
      if (missing.length > 0) {
        throw new CredentialsIncompleteError(
          `Account ${name} holds no ${missing.join(', ')} (it holds ${Object.keys(credentials).join(', ') || 'none'})`,
          missing,
        );
      }
      return {
        platform,
        tenantId,
        subAccountId: typeof item.subAccountId === 'string' ? item.subAccountId : undefined,
        state,
        credentials: credentials as Credentials & Readonly<Record<TName, Secret>>,
      };
    },
  };
}

/** The sealed blob of an item, or `undefined` when the item holds none (or something else). */
function sealedOf(value: unknown): SealedCredentials | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { scheme, keyId, ciphertext } = value as Record<string, unknown>;
  if ((scheme !== 'kms' && scheme !== 'aes-256-gcm') || typeof keyId !== 'string') return undefined;
  if (typeof ciphertext !== 'string') return undefined;
  return { scheme, keyId, ciphertext };
}

/**
 * AWS's refusal, as the SDK raises it: `AccessDeniedException` from KMS and DynamoDB (DynamoDB also answers
 * `AccessDenied` to some callers); the cipher passes it through unchanged.
 */
function isAccessDenied(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AccessDeniedException' || error.name === 'AccessDenied');
}
