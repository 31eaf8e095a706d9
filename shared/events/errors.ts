/** An outcome event the bus or the queue did not accept (the message carrying its request is retried). */
export class OutcomeNotAcceptedError extends Error {
  override readonly name = 'OutcomeNotAcceptedError';

  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}
