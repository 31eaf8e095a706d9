/**
 * Why {@link CredentialsReader.read} could not hand credentials over. Every message names the account and,
 * for a refusal, the permission at fault; none quotes a credential value.
 *
 * @module
 */

/** Base of the reader's errors: catch this one to handle them all. */
export class CredentialsReadError extends Error {
  override readonly name: string = 'CredentialsReadError';

  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/** The ledger holds no account for this platform and tenant: no create was ever applied (or sent). */
export class CredentialsAccountNotFoundError extends CredentialsReadError {
  override readonly name = 'CredentialsAccountNotFoundError';
}

/**
 * The account exists but holds no credentials yet: its create is still pending (retried), or failed. A signup
 * flow waits for the create's `succeeded` outcome, then reads.
 */
export class CredentialsNotProvisionedError extends CredentialsReadError {
  override readonly name = 'CredentialsNotProvisionedError';
  /** The account's ledger state (`pending`, `failed`, …). */
  readonly state: string;

  constructor(message: string, state: string, cause?: unknown) {
    super(message, cause);
    this.state = state;
  }
}

/** The two permissions a read takes: the account record, then the key that opens its credentials. */
export type CredentialsPermission = 'dynamodb:GetItem' | 'kms:Decrypt';

/**
 * AWS refused one of the two calls a read makes. {@link permission} and {@link resource} say which right the
 * caller lacks (the stack's `CredentialsReaderPolicyArn` policy and its reader tag give both).
 */
export class CredentialsAccessDeniedError extends CredentialsReadError {
  override readonly name = 'CredentialsAccessDeniedError';
  readonly permission: CredentialsPermission;
  /** The table name or the key ARN the permission is needed on. */
  readonly resource: string;

  constructor(message: string, permission: CredentialsPermission, resource: string, cause?: unknown) {
    super(message, cause);
    this.permission = permission;
    this.resource = resource;
  }
}

/** The opened credentials lack a name the caller asked for with `expect` (the names are listed, never values). */
export class CredentialsIncompleteError extends CredentialsReadError {
  override readonly name = 'CredentialsIncompleteError';
  readonly missing: readonly string[];

  constructor(message: string, missing: readonly string[]) {
    super(message);
    this.missing = missing;
  }
}
