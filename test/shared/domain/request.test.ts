import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { provisioningRequestJsonSchema } from '../../../scripts/request-schema.ts';
import { MAX_REQUEST_BYTES, parseProvisioningRequest } from '../../../shared/contract.ts';

const cloopenCreate = {
  schemaVersion: 1,
  requestId: 'signup-7f3a',
  action: 'create',
  platform: 'cloopen',
  tenantId: 'cust_42',
  expiresAt: '2027-01-31T00:00:00Z',
  profile: { friendlyName: 'cust42@example.com' },
};

const baijiayunCreate = {
  schemaVersion: 1,
  requestId: 'signup-7f3b',
  action: 'create',
  platform: 'baijiayun',
  tenantId: 'cust_42',
  profile: {
    mobile: '13800000042',
    email: 'cust42@example.com',
    products: { largeClass: { enabled: true, userLimit: 10 }, video: { enabled: false } },
  },
};

describe('parseProvisioningRequest', () => {
  it('accepts a Cloopen create and a Baijiayun create', () => {
    // Act
    const a = parseProvisioningRequest(JSON.stringify(cloopenCreate));
    const b = parseProvisioningRequest(JSON.stringify(baijiayunCreate));

    // Assess
    expect(a.ok && a.request.platform).toBe('cloopen');
    expect(b.ok && b.request.action).toBe('create');
  });

  it('accepts lifecycle actions without a profile', () => {
    for (const action of ['suspend', 'resume', 'close']) {
      const parsed = parseProvisioningRequest(
        JSON.stringify({ schemaVersion: 1, requestId: 'r1', action, platform: 'baijiayun', tenantId: 't1' }),
      );
      expect(parsed.ok).toBe(true);
    }
  });

  it('rejects a body that is not JSON without quoting the body', () => {
    // Act
    const parsed = parseProvisioningRequest('{"password":"hunter22", oops');

    // Assess
    expect(parsed).toEqual({ ok: false, issues: ['body: not valid JSON'], partial: {} });
  });

  it('rejects an unknown platform and still reports the identity it could read', () => {
    // Act
    const parsed = parseProvisioningRequest(JSON.stringify({ ...cloopenCreate, platform: 'twilio' }));

    // Assess
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues.join()).toMatch(/platform/);
    expect(parsed.partial).toEqual({ requestId: 'signup-7f3a', tenantId: 'cust_42' });
  });

  it('rejects unknown actions, missing fields, wrong types and unknown profile keys with a line each', () => {
    // Prepare
    const cases: [unknown, RegExp][] = [
      [{ ...cloopenCreate, action: 'delete' }, /action/],
      [{ ...cloopenCreate, profile: {} }, /profile\.friendlyName/],
      [
        { ...baijiayunCreate, profile: { ...baijiayunCreate.profile, mobile: 13800000042 } },
        /profile\.mobile/,
      ],
      [{ ...baijiayunCreate, profile: { ...baijiayunCreate.profile, colour: 'red' } }, /colour/],
      [{ ...cloopenCreate, requestId: 'has space' }, /requestId/],
      [{ ...cloopenCreate, expiresAt: 'tomorrow' }, /expiresAt/],
      [{ ...cloopenCreate, schemaVersion: 2 }, /schemaVersion/],
      [{ ...baijiayunCreate, profile: { ...baijiayunCreate.profile, password: '123' } }, /password/],
    ];

    for (const [body, pattern] of cases) {
      // Act
      const parsed = parseProvisioningRequest(JSON.stringify(body));

      // Assess
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.issues.join('\n')).toMatch(pattern);
    }
  });

  it('rejects an oversize body before parsing it', () => {
    // Prepare
    const body = JSON.stringify({ ...cloopenCreate, padding: 'x'.repeat(MAX_REQUEST_BYTES) });

    // Act
    const parsed = parseProvisioningRequest(body);

    // Assess
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues[0]).toMatch(/over the 16384-byte limit/);
  });

  it('rejects a duplicate key at any depth, instead of keeping the last one as JSON.parse does', () => {
    // Prepare: a second platform and tenantId after the first ones, and a duplicate inside the profile.
    const top = JSON.stringify(cloopenCreate).replace(
      '"tenantId":"cust_42"',
      '"tenantId":"cust_42","platform":"baijiayun","tenantId":"victim"',
    );
    const nested = JSON.stringify(cloopenCreate).replace(
      '{"friendlyName":"cust42@example.com"}',
      '{"friendlyName":"cust42@example.com","friendly\\u004eame":"admin"}',
    );

    // Act
    const topParsed = parseProvisioningRequest(top);
    const nestedParsed = parseProvisioningRequest(nested);

    // Assess: a duplicated identity field is not trusted to file the rejection either.
    expect(topParsed).toEqual({
      ok: false,
      issues: ['body: duplicate key "platform"', 'body: duplicate key "tenantId"'],
      partial: { requestId: 'signup-7f3a' },
    });
    expect(nestedParsed).toEqual({
      ok: false,
      issues: ['profile: duplicate key "friendlyName"'],
      partial: { requestId: 'signup-7f3a', platform: 'cloopen', tenantId: 'cust_42' },
    });
  });

  it('accepts the same key in sibling objects and key-like text inside strings', () => {
    // Prepare
    const body = JSON.stringify({
      ...baijiayunCreate,
      profile: {
        ...baijiayunCreate.profile,
        company: '{"enabled": "enabled"}',
        products: { largeClass: { enabled: true }, smallClass: { enabled: false } },
      },
    });

    // Act
    const parsed = parseProvisioningRequest(body);

    // Assess
    expect(parsed.ok).toBe(true);
  });

  it('rejects control characters and lone surrogates in free-text profile fields', () => {
    // Prepare
    const withCompany = (company: string) =>
      JSON.stringify({ ...baijiayunCreate, profile: { ...baijiayunCreate.profile, company } });

    for (const company of [
      'Acme\u0000Ltd',
      'Acme\u001b[2J',
      'Acme\u0085Ltd',
      'Acme\ud800Ltd',
      'Acme\udc00',
    ]) {
      // Act
      const parsed = parseProvisioningRequest(withCompany(company));

      // Assess
      expect(parsed).toMatchObject({ ok: false, issues: [expect.stringMatching(/^profile\.company: /)] });
    }
    expect(parseProvisioningRequest(withCompany('示例公司 & Co \u{1F600}')).ok).toBe(true);
  });
});

describe('the published JSON Schema', () => {
  it('is exactly what the zod schema generates (run `npm run schema` after changing the contract)', () => {
    // Act
    const published = JSON.parse(
      readFileSync(new URL('../../../schemas/provisioning-request.schema.json', import.meta.url), 'utf8'),
    );

    // Assess
    expect(published).toEqual(provisioningRequestJsonSchema());
  });
});
