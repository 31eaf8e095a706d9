import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  cloopenAuthorization,
  cloopenSig,
  signCloopenRequest,
} from '../../../../shared/platforms/cloopen/signing.ts';
import { Secret } from '../../../../shared/secret.ts';

const SID = 'abcdefghijklmnopqrstuvwxyz012345';
const TOKEN = new Secret('0123456789abcdef0123456789abcdef');
// 03:04:05 UTC is 11:04:05 on China's clock.
const INSTANT = new Date('2024-01-02T03:04:05Z');
// Computed once, outside this code base, from the literal inputs above.
const EXPECTED_TS = '20240102110405';
const EXPECTED_SIG = '0A1AC4F84197159D48B6988A84103C8E';
const EXPECTED_AUTHORIZATION = 'YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMTIzNDU6MjAyNDAxMDIxMTA0MDU=';

describe('Cloopen request signing', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('signs with one UTC+8 timestamp, an upper-case MD5 sig and a base64 sid:ts Authorization', () => {
    // Act
    const signature = signCloopenRequest(SID, TOKEN, INSTANT);

    // Assess
    expect(signature).toEqual({
      timestamp: EXPECTED_TS,
      sig: EXPECTED_SIG,
      authorization: EXPECTED_AUTHORIZATION,
    });
  });

  it('agrees with an MD5 and base64 computed independently from the literal inputs', () => {
    // Prepare
    const md5 = createHash('md5')
      .update(`${SID}0123456789abcdef0123456789abcdef${EXPECTED_TS}`)
      .digest('hex');
    const base64 = Buffer.from(`${SID}:${EXPECTED_TS}`).toString('base64');

    // Act
    const sig = cloopenSig(SID, TOKEN, EXPECTED_TS);
    const authorization = cloopenAuthorization(SID, EXPECTED_TS);

    // Assess
    expect(sig).toBe(md5.toUpperCase());
    expect(authorization).toBe(base64);
  });

  it('uses the next China date when UTC is still on the previous day', () => {
    // Act
    const signature = signCloopenRequest(SID, TOKEN, new Date('2024-01-01T16:30:00Z'));

    // Assess
    expect(signature.timestamp).toBe('20240102003000');
    expect(signature.sig).toBe('D38DA27ED6932FC90D01BC1BDB1F54DF');
    expect(signature.authorization).toBe('YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMTIzNDU6MjAyNDAxMDIwMDMwMDA=');
  });

  it.each(['America/Los_Angeles', 'Pacific/Kiritimati', 'Asia/Shanghai'])(
    'gives the same sig and Authorization when the host zone is %s',
    (zone) => {
      // Prepare
      vi.stubEnv('TZ', zone);
      const hostOffset = INSTANT.getTimezoneOffset();

      // Act
      const signature = signCloopenRequest(SID, TOKEN, INSTANT);

      // Assess
      expect(hostOffset).not.toBe(0); // the zone really changed for this process
      expect(signature).toEqual({
        timestamp: EXPECTED_TS,
        sig: EXPECTED_SIG,
        authorization: EXPECTED_AUTHORIZATION,
      });
    },
  );
});
