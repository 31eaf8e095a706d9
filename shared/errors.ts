/** A missing or malformed setting. The message names the variable. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  /** The variables at fault. */
  readonly variables: readonly string[];

  constructor(message: string, variables: readonly string[], options?: { readonly cause?: unknown }) {
    super(message, options);
    this.variables = variables;
  }
}
