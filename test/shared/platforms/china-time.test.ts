import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  chinaCompactTimestamp,
  chinaDateTime,
  parseChinaCompactTimestamp,
  parseChinaDateTime,
  toChinaIso,
} from '../../../shared/platforms/china-time.ts';

describe('China wall-clock time', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('formats UTC+8 whatever the host time zone is', () => {
    // Prepare: 2024-02-29 23:30:05 UTC is 2024-03-01 07:30:05 in China.
    const instant = new Date('2024-02-29T23:30:05Z');
    const seen = new Set<string>();

    for (const zone of ['UTC', 'America/Los_Angeles', 'Pacific/Kiritimati', 'Asia/Kolkata']) {
      // Act
      vi.stubEnv('TZ', zone);
      seen.add(`${chinaCompactTimestamp(instant)}|${chinaDateTime(instant)}|${toChinaIso(instant)}`);
    }

    // Assess
    expect([...seen]).toEqual(['20240301073005|2024-03-01 07:30:05|2024-03-01T07:30:05+08:00']);
  });

  it('parses both formats back to the same instant and refuses impossible dates', () => {
    expect(parseChinaDateTime('2024-03-01 07:30:05')?.toISOString()).toBe('2024-02-29T23:30:05.000Z');
    expect(parseChinaCompactTimestamp('20240301073005')?.toISOString()).toBe('2024-02-29T23:30:05.000Z');
    expect(parseChinaDateTime('2023-02-30 00:00:00')).toBeUndefined();
    expect(parseChinaCompactTimestamp('2024-03-01')).toBeUndefined();
  });
});
