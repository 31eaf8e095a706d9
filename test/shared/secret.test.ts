import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../shared/secret.ts';

describe('Secret', () => {
  it('redacts itself in strings, JSON and inspection but reveals on request', () => {
    // Prepare
    const value = new Secret('p@ssw0rd-123');

    // Act
    const views = [String(value), `${value}`, JSON.stringify({ value }), inspect({ value }, { depth: 5 })];

    // Assess
    for (const view of views) {
      expect(view).not.toContain('p@ssw0rd-123');
      expect(view).toContain('[REDACTED]');
    }
    expect(value.reveal()).toBe('p@ssw0rd-123');
  });

  it('compares values without revealing them', () => {
    expect(new Secret('a').equals(new Secret('a'))).toBe(true);
    expect(new Secret('a').equals(new Secret('b'))).toBe(false);
  });
});
