import { describe, expect, it } from 'vitest';
import {
  ConcurrentUpdateError,
  classifyFailure,
  DependencyUnavailableError,
  InvalidRequestError,
  RequestNotApplicableError,
} from '../../../shared/domain/errors.ts';
import { PlatformError, type PlatformErrorCategory } from '../../../shared/ports/errors.ts';

const platformError = (category: PlatformErrorCategory, outcomeUnknown = false) =>
  new PlatformError('x', { platform: 'cloopen', category, outcomeUnknown });

describe('classifyFailure', () => {
  it('retries what may pass: timeouts, network, 5xx, rate limits', () => {
    for (const category of ['timeout', 'network', 'server', 'rate-limited'] as const) {
      expect(classifyFailure(platformError(category))).toBe('retryable');
    }
  });

  it('does not retry what a platform refused on purpose', () => {
    for (const category of [
      'authentication',
      'invalid-request',
      'not-found',
      'conflict',
      'account-state',
      'protocol',
      'unknown',
    ] as const) {
      expect(classifyFailure(platformError(category))).toBe('permanent');
    }
  });

  it('retries a state-changing call whose outcome is unknown, whatever its category', () => {
    // An unreadable answer to a create that may have committed: the retry adopts instead of orphaning it.
    expect(classifyFailure(platformError('protocol', true))).toBe('retryable');
  });

  it('follows the domain errors own decision and retries anything unexpected', () => {
    expect(classifyFailure(new InvalidRequestError('bad'))).toBe('permanent');
    expect(classifyFailure(new RequestNotApplicableError('no', 'not-provisioned'))).toBe('permanent');
    expect(classifyFailure(new ConcurrentUpdateError('race'))).toBe('retryable');
    expect(classifyFailure(new DependencyUnavailableError('throttled'))).toBe('retryable');
    expect(classifyFailure(new TypeError('bug'))).toBe('retryable');
  });
});
