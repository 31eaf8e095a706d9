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
