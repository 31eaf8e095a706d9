import { describe, expect, it } from 'vitest';
import { isTransientAwsError } from '../../../shared/aws/transient.ts';

function sdkError(name: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), { name, ...extra });
}

describe('isTransientAwsError', () => {
  it.each([
    ['DynamoDB throttling', sdkError('ProvisionedThroughputExceededException', { $fault: 'client' })],
    ['throttling', sdkError('ThrottlingException')],
    ['the account request limit', sdkError('RequestLimitExceeded')],
    ['an internal server error', sdkError('InternalServerError', { $fault: 'server' })],
    ['a 503', sdkError('ServiceUnavailable')],
    ['an SDK timeout', sdkError('TimeoutError')],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    [
      'a wrapped reset',
      new Error('fetch failed', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }),
    ],
    ['an unnamed server fault', sdkError('SomethingNew', { $fault: 'server' })],
    ['an unnamed 502', sdkError('SomethingNew', { $metadata: { httpStatusCode: 502 } })],
    ['KMS internal failure', sdkError('KMSInternalException')],
  ])('calls %s transient', (_what, error) => {
    // Act
    const transient = isTransientAwsError(error);

    // Assess
    expect(transient).toBe(true);
  });

  it.each([
    ['a failed condition', sdkError('ConditionalCheckFailedException', { $fault: 'client' })],
    ['a validation error', sdkError('ValidationException', { $metadata: { httpStatusCode: 400 } })],
    ['a missing table', sdkError('ResourceNotFoundException')],
    ['access denied', sdkError('AccessDeniedException')],
    ['a plain bug', new TypeError('x is not a function')],
    ['a string', 'ThrottlingException'],
    ['undefined', undefined],
  ])('calls %s permanent', (_what, error) => {
    // Act
    const transient = isTransientAwsError(error);

    // Assess
    expect(transient).toBe(false);
  });
});
