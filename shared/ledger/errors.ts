/** `createLedgerTable` found a table of that name whose keys or index differ from the ledger's. */
export class LedgerTableMismatchError extends Error {
  override readonly name = 'LedgerTableMismatchError';

  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/** The ledger table did not become ACTIVE (with its index) within the allowed time. */
export class LedgerTableNotReadyError extends Error {
  override readonly name = 'LedgerTableNotReadyError';

  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/**
 * An event or conclusion was written for a request whose history was never begun: the caller skipped
 * `beginRequest`. A bug, not a race; left unclassified so it is retried and ends in the DLQ rather than lost.
 */
export class LedgerRequestNotFoundError extends Error {
  override readonly name = 'LedgerRequestNotFoundError';

  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/** The ledger was called with arguments it can never accept (a new record whose version is not 1, a bad day). */
export class LedgerUsageError extends Error {
  override readonly name = 'LedgerUsageError';

  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}
