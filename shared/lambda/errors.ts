/** Not enough of the invocation left to start this record. */
export class OutOfTimeError extends Error {
  override readonly name = 'OutOfTimeError';

  constructor(messageId: string) {
    super(`Message ${messageId} not started: too little of the invocation is left`);
  }
}

/** A handler ran without the dependencies its middleware chain should have put on the context. */
export class DependenciesMissingError extends Error {
  override readonly name = 'DependenciesMissingError';
}

/** The record's platform is quarantined: the record was parked, to be released when the platform is back. */
export class PlatformQuarantinedError extends Error {
  override readonly name = 'PlatformQuarantinedError';

  constructor(platform: string, messageId: string, until: string) {
    super(`Message ${messageId} parked: ${platform} is quarantined until at least ${until}`);
  }
}

/** A batch was told to run records at a concurrency that is no whole number from 1: it could never start one. */
export class BatchConcurrencyError extends Error {
  override readonly name = 'BatchConcurrencyError';

  constructor(concurrency: number) {
    super(`Record concurrency must be a whole number from 1, not ${concurrency}`);
  }
}
