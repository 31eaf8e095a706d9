import { isTransientAwsError } from '../aws/transient.ts';
import { ConcurrentUpdateError, DependencyUnavailableError } from '../domain/errors.ts';
import type { AccountRecord } from '../ports/ledger.ts';

/**
 * How DynamoDB failures become what the ledger port promises its callers.
 *
 * - Throttling, 5xx, timeouts and network failures become `DependencyUnavailableError`: the domain retries
 *   those, and they pass on their own.
 * - Validation and other client errors (a missing table, access denied) are bugs that no retry can fix, so
 *   they pass through unchanged and end in the DLQ with their own name.
 * - A failed write condition is how the ledger learns of a lost race or a redelivery: each method decides
 *   what it means, with {@link isConditionFailure}.
 *
 * @module
 */

/**
 * The error to throw in place of `error`, which a DynamoDB call of `operation` on `tableName` failed with:
 * a retryable `DependencyUnavailableError` when the failure may pass, else `error` itself.
 */
export function toLedgerError(error: unknown, operation: string, tableName: string): unknown {
  if (!isTransientAwsError(error)) return error;
  const name = error instanceof Error ? error.name : 'error';
  return new DependencyUnavailableError(`Ledger ${operation} on table ${tableName} failed: ${name}`, error);
}

/** True when a conditional write was refused because its condition did not hold. */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/**
 * The `ConcurrentUpdateError` for an account write whose condition failed: on `createAccount` the record
 * exists already, on `saveAccount` someone else saved since `record` was read.
 */
export function accountWriteConflict(
  operation: 'createAccount' | 'saveAccount',
  record: AccountRecord,
  cause: unknown,
): ConcurrentUpdateError {
  const what = `${record.platform} account ${record.tenantId}`;
  return new ConcurrentUpdateError(
    operation === 'createAccount'
      ? `Cannot create ${what}: it already exists`
      : `Cannot save ${what} at version ${record.version}: the stored version is not ${record.version - 1}`,
    cause,
  );
}
