/**
 * Base of the CLI's own errors. `runCli` prints the message (`error: …`, or `{ "error": … }` with `--json`)
 * and exits with code 1, as for any other error a command throws.
 */
export class CliError extends Error {
  override readonly name: string = 'CliError';

  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/** An argument or option value the command does not accept (`--platform`, `--state`). */
export class CliUsageError extends CliError {
  override readonly name = 'CliUsageError';
}

/**
 * An input file with invalid lines, or with no request at all: the command sent nothing (each bad line is
 * reported before this).
 */
export class CliInputError extends CliError {
  override readonly name = 'CliInputError';
}

/** An input file that cannot be read as text: missing, a directory, unreadable, or UTF-16. */
export class InputFileError extends CliError {
  override readonly name = 'InputFileError';
}

/** Some requests could not be queued; the rest were (each failure is reported before this). */
export class RequestsNotSentError extends CliError {
  override readonly name = 'RequestsNotSentError';
}

/** The ledger holds no record of the account asked about. */
export class AccountNotFoundError extends CliError {
  override readonly name = 'AccountNotFoundError';
}

/** No pipeline to talk to: no local stack is running, or the named stack is not a provisioner stack. */
export class TargetUnavailableError extends CliError {
  override readonly name = 'TargetUnavailableError';
}

/** No AWS credentials to reach a deployed stack: the message says which stack and how to supply them. */
export class AwsCredentialsError extends CliError {
  override readonly name = 'AwsCredentialsError';
}

/** AWS refused a call the command makes: the message names the permission (action and resource) missing. */
export class PermissionDeniedError extends CliError {
  override readonly name = 'PermissionDeniedError';
}

/** A command that prints secrets was run without the flag that says the caller means it (`--reveal`). */
export class RevealRequiredError extends CliError {
  override readonly name = 'RevealRequiredError';
}
