import { describe, expect, it } from 'vitest';
import { expectedSign } from '../../../simulators/baijiayun/signing.ts';

describe('Baijiayun simulator signature rule', () => {
  it('reproduces the published worked example exactly', () => {
    // Prepare
    const fields = new Map([
      ['partner_id', '12345678'],
      ['title', '测试教室'],
      ['start_time', '1501575608'],
      ['end_time', '1501579208'],
      ['type', '2'],
      ['timestamp', '1501572288'],
    ]);
    const partnerKey =
      'rLkIPaQjxSwRQmC/ITnHh8i2rifmmbFIVsYw03SSi24zAnkrAd0ZNb2rcTzI2avy7+AmNJDdLmzU89zKUAP3Xg==';

    // Act
    const sign = expectedSign(fields, partnerKey);

    // Assess
    expect(sign).toBe('5b78486597c679b0c6256da014af1260');
  });

  it('ignores a received sign field and depends on every other field', () => {
    // Prepare
    const fields = new Map([
      ['partner_id', '1'],
      ['timestamp', '1700000000'],
    ]);

    // Act
    const plain = expectedSign(fields, 'k');
    const withSign = expectedSign(new Map([...fields, ['sign', 'whatever']]), 'k');
    const changed = expectedSign(new Map([...fields, ['status', '0']]), 'k');

    // Assess
    expect(withSign).toBe(plain);
    expect(changed).not.toBe(plain);
  });
});
