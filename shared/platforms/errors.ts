/** A read-only platform check was given an argument or option it cannot use. */
export class CheckInputError extends Error {
  override readonly name = 'CheckInputError';
}

/** A platform check found nothing where the operator expected something. */
export class CheckNotFoundError extends Error {
  override readonly name = 'CheckNotFoundError';
}
