import { describe, expect, it } from 'vitest';
import { maskPersonalData, personalDataReplacer } from '../../../shared/lambda/personal-data.ts';

describe('maskPersonalData', () => {
  it('keeps the first three and last four digits of a mainland mobile number', () => {
    // Prepare
    const text = '13800000042';

    // Act
    const masked = maskPersonalData(text);

    // Assess
    expect(masked).toBe('138****0042');
  });

  it('masks a mobile number written with the +86 country code', () => {
    // Prepare, Act
    const masked = maskPersonalData('+86 13800000042 and 8613912345678');

    // Assess
    expect(masked).toBe('+86 138****0042 and 86139****5678');
  });

  it('keeps the first character of an email address and its domain', () => {
    // Prepare, Act
    const masked = maskPersonalData('carol.smith+signup@example.com');

    // Assess
    expect(masked).toBe('c***@example.com');
  });

  it('masks every mobile and email inside a longer text, such as an error message', () => {
    // Prepare
    const text = 'baijiayun mobile 13700000001 already belongs to tenant t_1 (log1@example.com, 15912345678)';

    // Act
    const masked = maskPersonalData(text);

    // Assess
    expect(masked).toBe(
      'baijiayun mobile 137****0001 already belongs to tenant t_1 (l***@example.com, 159****5678)',
    );
  });

  it('leaves timestamps, ids and digit runs that are not mobile numbers alone', () => {
    // Prepare
    const texts = [
      '2025-01-31T08:00:00.000Z',
      '1735689600000',
      '1-5759e988-bd862e3fe1be46a994272793',
      '059a2d7c-1a3b-4c5d-9e8f-123456789012',
      'code 111150, 12345678901, 138000000421',
      'sub-account 8a8a8a8a8a8a8a8a',
    ];

    // Act
    const masked = texts.map(maskPersonalData);

    // Assess
    expect(masked).toEqual(texts);
  });

  it('gives the same text when applied to its own output', () => {
    // Prepare
    const once = maskPersonalData('13800000042 c@example.com carol@example.com');

    // Act
    const twice = maskPersonalData(once);

    // Assess
    expect(twice).toBe(once);
    expect(once).toBe('138****0042 c***@example.com c***@example.com');
  });
});

describe('personalDataReplacer', () => {
  it('masks strings at any depth of a value JSON.stringify serialises, and leaves other values alone', () => {
    // Prepare
    const value = {
      detail: 'mobile 13800000042 taken',
      nested: { profile: { email: 'carol@example.com', mobile: 13800000042 }, count: 3, ok: true },
      list: ['dave@example.org'],
    };

    // Act
    const json = JSON.parse(JSON.stringify(value, personalDataReplacer)) as unknown;

    // Assess
    expect(json).toEqual({
      detail: 'mobile 138****0042 taken',
      nested: { profile: { email: 'c***@example.com', mobile: '138****0042' }, count: 3, ok: true },
      list: ['d***@example.org'],
    });
  });
});
