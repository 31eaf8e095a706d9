import { createHash } from 'node:crypto';
import type { ProvisioningRequest, RequestProfile } from './request.ts';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, canonical(v)]),
  );
}

/** The profile as stored in the ledger: everything but the password. */
export function storedProfile(profile: RequestProfile | undefined): Record<string, unknown> | undefined {
  if (!profile) return undefined;
  const { password: _omitted, ...rest } = profile;
  return rest;
}

/**
 * What a request asks for, as a hash that does not depend on key order. The password is left out: an
 * unsalted hash of a short password next to the rest of the request would be a guessable copy of it.
 */
export function fingerprint(request: ProvisioningRequest): string {
  const profile = 'profile' in request ? storedProfile(request.profile) : undefined;
  const body = canonical({ ...request, profile });
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}
