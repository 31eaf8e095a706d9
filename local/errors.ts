/** Base of the local stack's own errors. */
export class LocalStackError extends Error {
  override readonly name: string = 'LocalStackError';

  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/** The provisioning queues could not be created or read. */
export class QueueSetupError extends LocalStackError {
  override readonly name = 'QueueSetupError';
}

/** A piece of the stack (dynalite, fauxqs, tables, simulators, handler) failed to start. */
export class LocalStackStartError extends LocalStackError {
  override readonly name = 'LocalStackStartError';
}

/** Another `npm start` is running (its state file names a live process). */
export class LocalStackAlreadyRunningError extends LocalStackError {
  override readonly name = 'LocalStackAlreadyRunningError';
  readonly pid: number;
  readonly stateFile: string;

  constructor(pid: number, stateFile: string) {
    super(`A local stack is already running (pid ${pid}, state file ${stateFile}); stop it first`);
    this.pid = pid;
    this.stateFile = stateFile;
  }
}

/** A piece `local/wiring.ts` should provide has not been connected yet. */
export class NotWiredError extends LocalStackError {
  override readonly name = 'NotWiredError';
}

/** The poller was given options SQS or Lambda would refuse. */
export class PollerConfigurationError extends LocalStackError {
  override readonly name = 'PollerConfigurationError';
}

/** The handler ran past its function timeout; like Lambda, the poller treats its batch as failed. */
export class HandlerTimeoutError extends LocalStackError {
  override readonly name = 'HandlerTimeoutError';
}
