/**
 * Recognises AWS SDK failures that may pass on their own (throttling, 5xx, timeouts, network trouble), as
 * opposed to client bugs (validation errors, missing tables, access denied) that retrying cannot fix.
 *
 * Shared by the ledger (DynamoDB) and the KMS cipher: both turn such failures into a retryable
 * `DependencyUnavailableError` and let everything else through untouched.
 */

/** Error names AWS services and the SDK use for failures that are worth retrying later. */
const TRANSIENT_NAMES: ReadonlySet<string> = new Set([
  // DynamoDB
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ReplicatedWriteConflictException',
  'TransactionConflictException',
  'LimitExceededException',
  // KMS
  'KMSInternalException',
  'DependencyTimeoutException',
  'KeyUnavailableException',
  // generic AWS throttling names
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
  // SDK / transport
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Node socket and DNS error codes: no answer arrived, nothing says the service refused. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

interface SdkErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $fault?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown } | undefined;
  readonly cause?: unknown;
}

/** True when an AWS SDK call failed in a way that may pass: throttled, 5xx, timed out or never connected. */
export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const shape = error as SdkErrorShape;
  if (typeof shape.name === 'string' && TRANSIENT_NAMES.has(shape.name)) return true;
  if (typeof shape.code === 'string' && NETWORK_CODES.has(shape.code)) return true;
  // Some HTTP handlers wrap the socket error once (e.g. `fetch failed` with the real error as cause).
  const cause = shape.cause as SdkErrorShape | undefined;
  if (typeof cause?.code === 'string' && NETWORK_CODES.has(cause.code)) return true;
  if (shape.$fault === 'server') return true;
  const status = shape.$metadata?.httpStatusCode;
  return typeof status === 'number' && (status >= 500 || status === 429);
}
