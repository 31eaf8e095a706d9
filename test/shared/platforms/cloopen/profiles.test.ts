import { describe, expect, it } from 'vitest';
import { parseProvisioningRequest } from '../../../../shared/contract.ts';
import { cloopenCreateProfile } from '../../../../shared/platforms/cloopen/profiles.ts';
import * as z from '../../../../shared/zod.ts';

const createWith = (friendlyName: string) =>
  JSON.stringify({
    schemaVersion: 1,
    requestId: 'signup-xml',
    action: 'create',
    platform: 'cloopen',
    tenantId: 'cust_xml',
    profile: { friendlyName },
  });

describe('Cloopen create profile', () => {
  it.each([
    ['an email address', 'cust42@example.com'],
    ['an email address with plus, dot, dash and underscore', 'first.last+tag_1-x@mail.example.com'],
    ['letters and digits only', 'Customer42'],
    ['Chinese, as the JSON sample of the create document', '用户1'],
  ])('accepts %s as friendlyName', (_, friendlyName) => {
    // Act
    const parsed = z.safeParse(cloopenCreateProfile, { friendlyName });

    // Assess
    expect(parsed.success).toBe(true);
  });

  it.each([
    ['XML closing and opening tags', '</friendlyName><appId>x</appId><friendlyName>'],
    ['an ampersand entity', 'a&amp;b@example.com'],
    ['quotes', `o'neil"@example.com`],
    ['an inner space', 'two words@example.com'],
    ['a slash', 'a/b@example.com'],
  ])(
    'refuses a friendlyName with %s, which the document letters-and-digits rule excludes',
    (_, friendlyName) => {
      // Act
      const parsed = parseProvisioningRequest(createWith(friendlyName));

      // Assess
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.issues.join('\n')).toMatch(/profile\.friendlyName: .*letters, digits/);
    },
  );
});
