import { describe, expect, it } from 'vitest';
import { sign, signingString } from '../../../../shared/platforms/baijiayun/signing.ts';
import { Secret } from '../../../../shared/secret.ts';

const PUBLISHED_KEY = new Secret(
  'rLkIPaQjxSwRQmC/ITnHh8i2rifmmbFIVsYw03SSi24zAnkrAd0ZNb2rcTzI2avy7+AmNJDdLmzU89zKUAP3Xg==',
);

describe('Baijiayun signing', () => {
  it('reproduces the published worked example exactly', () => {
    // Prepare
    const params = {
      partner_id: '12345678',
      title: '测试教室',
      start_time: '1501575608',
      end_time: '1501579208',
      type: '2',
      timestamp: '1501572288',
    };

    // Act
    const result = sign(params, PUBLISHED_KEY);

    // Assess
    expect(result).toBe('5b78486597c679b0c6256da014af1260');
  });

  it('sorts keys in byte order, uses raw values and appends the partner key last', () => {
    // Prepare
    const params = { b: 'x y', A: '1', a_b: '&', a: '测' };

    // Act
    const text = signingString(params, new Secret('KEY'));

    // Assess
    expect(text).toBe('A=1&a=测&a_b=&&b=x y&partner_key=KEY');
  });

  it('leaves out absent values and the sign itself but keeps zero and empty strings', () => {
    // Prepare
    const params = { status: '0', company: '', contacts: undefined, sign: 'stale', timestamp: '1700000000' };

    // Act
    const text = signingString(params, new Secret('k'));

    // Assess
    expect(text).toBe('company=&status=0&timestamp=1700000000&partner_key=k');
  });

  it('changes when any signed value changes', () => {
    // Prepare
    const base = { partner_id: '1', timestamp: '1700000000', status: '0' };

    // Act
    const a = sign(base, PUBLISHED_KEY);
    const b = sign({ ...base, status: '1' }, PUBLISHED_KEY);

    // Assess
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
  });
});
