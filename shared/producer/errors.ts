import { ProvisioningError } from '../domain/errors.ts';

/**
 * At least one request of a batch failed validation, so none of them was sent: a half-sent batch would leave
 * the caller working out which half.
 */
export class InvalidProvisioningRequestError extends ProvisioningError {
  override readonly name = 'InvalidProvisioningRequestError';
  /** One line per problem, `index: path: message` (index into the caller's array). */
  readonly issues: readonly string[];

  constructor(issues: readonly string[], total: number, cause?: unknown) {
    const invalid = new Set(issues.map((line) => line.slice(0, line.indexOf(':')))).size;
    super(
      `${invalid} of ${total} provisioning request(s) invalid; nothing was sent:\n${issues.map((i) => `  ${i}`).join('\n')}`,
      { reason: 'invalid-request', retryable: false, cause },
    );
    this.issues = issues;
  }
}
