import { inspect } from 'node:util';

const REDACTED = '[REDACTED]';

/**
 * A credential value (sub-account token, password, partner key) that refuses to be printed.
 *
 * `toString`, `toJSON` and `util.inspect` all redact, so a `Secret` that ends up in a log line, an error
 * message, a JSON document or a test snapshot shows `[REDACTED]`. The only way to the value is
 * {@link Secret.reveal}, which is easy to grep for.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** Returns the plain value. Call it only where the value leaves for its destination (a signed request, a cipher). */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }

  /** True when both hold the same value, compared without revealing it to the caller. */
  equals(other: Secret): boolean {
    return this.#value === other.#value;
  }
}

/** Wraps a value as a {@link Secret}; passes `undefined` through. */
export function secret(value: string): Secret;
export function secret(value: string | undefined): Secret | undefined;
export function secret(value: string | undefined): Secret | undefined {
  return value === undefined ? undefined : new Secret(value);
}
