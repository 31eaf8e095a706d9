import { describe, expect, it } from 'vitest';
import { fingerprint, storedProfile } from '../../../shared/domain/fingerprint.ts';
import type { CreateRequest, LifecycleRequest, UpdateRequest } from '../../../shared/domain/request.ts';

const create: CreateRequest = {
  schemaVersion: 1,
  requestId: 'req-1',
  tenantId: 'tenant-1',
  platform: 'baijiayun',
  action: 'create',
  expiresAt: '2027-01-31T00:00:00Z',
  profile: {
    mobile: '13800000001',
    email: 'tenant-1@example.com',
    password: 'First-Pass-1',
    products: { largeClass: { enabled: true, userLimit: 50, maxSpeakers: 4 } },
  },
};

describe('fingerprint', () => {
  it('is the same whatever the order of the keys, at every depth', () => {
    // Prepare
    const reordered: CreateRequest = {
      profile: {
        products: { largeClass: { maxSpeakers: 4, userLimit: 50, enabled: true } },
        password: 'First-Pass-1',
        email: 'tenant-1@example.com',
        mobile: '13800000001',
      },
      expiresAt: '2027-01-31T00:00:00Z',
      action: 'create',
      platform: 'baijiayun',
      tenantId: 'tenant-1',
      requestId: 'req-1',
      schemaVersion: 1,
    };

    // Act
    const original = fingerprint(create);
    const shuffled = fingerprint(reordered);

    // Assess
    expect(shuffled).toBe(original);
    expect(original).toMatch(/^[0-9a-f]{64}$/);
  });

  it('leaves the password out, so a request differing only in it has the same fingerprint', () => {
    // Prepare
    const otherPassword: CreateRequest = {
      ...create,
      profile: { ...create.profile, password: 'Other-Pass-2' },
    };
    const noPassword: CreateRequest = { ...create, profile: storedProfile(create.profile) ?? {} };

    // Act
    const prints = [fingerprint(create), fingerprint(otherPassword), fingerprint(noPassword)];

    // Assess
    expect(new Set(prints).size).toBe(1);
  });

  it('changes when anything else the request asks for changes', () => {
    // Prepare
    const variants: CreateRequest[] = [
      { ...create, expiresAt: '2028-01-31T00:00:00Z' },
      { ...create, profile: { ...create.profile, mobile: '13800000002' } },
      {
        ...create,
        profile: {
          ...create.profile,
          products: { largeClass: { enabled: true, userLimit: 51, maxSpeakers: 4 } },
        },
      },
      { ...create, tenantId: 'tenant-2' },
    ];

    // Act
    const prints = [create, ...variants].map(fingerprint);

    // Assess
    expect(new Set(prints).size).toBe(prints.length);
  });

  it('tells apart two actions of the same request id that carry no profile', () => {
    // Prepare
    const base = { schemaVersion: 1, requestId: 'req-9', tenantId: 'tenant-1', platform: 'cloopen' } as const;
    const suspend: LifecycleRequest = { ...base, action: 'suspend' };
    const close: LifecycleRequest = { ...base, action: 'close' };
    const update: UpdateRequest = { ...base, action: 'update' };

    // Act
    const prints = [suspend, close, update].map(fingerprint);

    // Assess
    expect(new Set(prints).size).toBe(3);
    expect(fingerprint({ ...suspend })).toBe(prints[0]);
  });
});

describe('storedProfile', () => {
  it('drops the password and keeps everything else as it was', () => {
    // Prepare
    const profile = create.profile;

    // Act
    const stored = storedProfile(profile);

    // Assess
    expect(stored).toEqual({
      mobile: '13800000001',
      email: 'tenant-1@example.com',
      products: { largeClass: { enabled: true, userLimit: 50, maxSpeakers: 4 } },
    });
    expect(profile.password).toBe('First-Pass-1');
    expect(storedProfile(undefined)).toBeUndefined();
  });
});
