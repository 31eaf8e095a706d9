import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  isEmptyPlatformSecret,
  loadBaseConfig,
  loadPlatformSecretArns,
  loadRateBudgetConfig,
  loadRuntimeConfig,
  platformSecretVariable,
  withPlatformSecret,
} from '../../shared/config.ts';
import { baijiayunPlatform } from '../../shared/platforms/baijiayun/module.ts';
import { loadBaijiayunConfig } from '../../shared/platforms/baijiayun/settings.ts';
import { cloopenPlatform } from '../../shared/platforms/cloopen/module.ts';
import { CLOOPEN_PRODUCTION_URL, loadCloopenConfig } from '../../shared/platforms/cloopen/settings.ts';
import { platformModules } from '../../shared/platforms/registry.ts';
import { localPlatformOverrides } from '../../shared/platforms/sources.ts';

const SID = 'a'.repeat(32);
const TOKEN = 'b'.repeat(32);
const APP = 'c'.repeat(32);

function failure(load: () => unknown): ConfigurationError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('loadCloopenConfig', () => {
  it('defaults the base URL to production and the format to JSON', () => {
    // Act
    const config = loadCloopenConfig({
      CLOOPEN_ACCOUNT_SID: SID,
      CLOOPEN_AUTH_TOKEN: TOKEN,
      CLOOPEN_APP_ID: APP,
    });

    // Assess
    expect(config.baseUrl).toBe(CLOOPEN_PRODUCTION_URL);
    expect(config.format).toBe('json');
    expect(config.authToken.reveal()).toBe(TOKEN);
    expect(JSON.stringify(config)).not.toContain(TOKEN);
  });

  it('names every missing or malformed variable', () => {
    // Act
    const error = failure(() =>
      loadCloopenConfig({ CLOOPEN_ACCOUNT_SID: 'short', CLOOPEN_APP_ID: APP, CLOOPEN_FORMAT: 'yaml' }),
    );

    // Assess
    expect(error.variables).toEqual(['CLOOPEN_ACCOUNT_SID', 'CLOOPEN_AUTH_TOKEN', 'CLOOPEN_FORMAT']);
    expect(error.message).toContain('CLOOPEN_AUTH_TOKEN is not set');
    expect(error.message).toContain('CLOOPEN_FORMAT must be json or xml');
  });

  it('rejects a base URL that is not http(s)', () => {
    const error = failure(() =>
      loadCloopenConfig({
        CLOOPEN_ACCOUNT_SID: SID,
        CLOOPEN_AUTH_TOKEN: TOKEN,
        CLOOPEN_APP_ID: APP,
        CLOOPEN_BASE_URL: 'ftp://x',
      }),
    );
    expect(error.variables).toEqual(['CLOOPEN_BASE_URL']);
  });
});

describe('loadBaijiayunConfig', () => {
  it('keeps the partner key secret and strips a trailing slash from the host', () => {
    // Act
    const config = loadBaijiayunConfig({
      BAIJIAYUN_BASE_URL: 'https://e123.at.baijiayun.com/',
      BAIJIAYUN_PARTNER_ID: '12345678',
      BAIJIAYUN_PARTNER_KEY: 'k3y==',
    });

    // Assess
    expect(config.baseUrl).toBe('https://e123.at.baijiayun.com');
    expect(config.rateLimitRequests).toBeLessThan(200);
    expect(String(config.partnerKey)).toBe('[REDACTED]');
  });

  it('fails fast naming the base URL when it is missing', () => {
    const error = failure(() =>
      loadBaijiayunConfig({ BAIJIAYUN_PARTNER_ID: '1', BAIJIAYUN_PARTNER_KEY: 'k' }),
    );
    expect(error.variables).toEqual(['BAIJIAYUN_BASE_URL']);
  });
});

describe('the fleet-wide Baijiayun rate', () => {
  const account = {
    BAIJIAYUN_BASE_URL: 'https://e123.at.baijiayun.com',
    BAIJIAYUN_PARTNER_ID: '12345678',
    BAIJIAYUN_PARTNER_KEY: 'k3y==',
  };

  it('stays under the platform limit when the secret omits it, whatever the deployment', () => {
    // Prepare
    const secret = { ...account };

    // Act
    const config = loadBaijiayunConfig(withPlatformSecret({}, secret, baijiayunPlatform));

    // Assess
    expect(config.rateLimitRequests).toBeGreaterThanOrEqual(190);
    expect(config.rateLimitRequests).toBeLessThanOrEqual(200);
  });

  it('accepts the platform maximum itself', () => {
    // Act
    const config = loadBaijiayunConfig({ ...account, BAIJIAYUN_RATE_LIMIT_REQUESTS: '200' });

    // Assess
    expect(config.rateLimitRequests).toBe(200);
  });

  it.each(['201', '1000000'])('refuses %s, which would raise the fleet above the platform limit', (value) => {
    // Act
    const error = failure(() => loadBaijiayunConfig({ ...account, BAIJIAYUN_RATE_LIMIT_REQUESTS: value }));

    // Assess
    expect(error.variables).toEqual(['BAIJIAYUN_RATE_LIMIT_REQUESTS']);
    expect(error.message).toMatch(/at most 200/);
  });

  it('refuses an oversized rate from the vendor secret as well as from the environment', () => {
    // Prepare
    const secret = { ...account, BAIJIAYUN_RATE_LIMIT_REQUESTS: 500 };

    // Act
    const error = failure(() => loadBaijiayunConfig(withPlatformSecret({}, secret, baijiayunPlatform)));

    // Assess
    expect(error.variables).toEqual(['BAIJIAYUN_RATE_LIMIT_REQUESTS']);
  });
});

describe('loadRateBudgetConfig', () => {
  it('books five slots per write and at most ten seconds ahead by default', () => {
    // Act
    const config = loadRateBudgetConfig({});

    // Assess
    expect(config).toEqual({ blockSize: 5, maxAheadMs: 10_000 });
  });

  it('refuses a block size beyond 20', () => {
    // Act
    const error = failure(() => loadRateBudgetConfig({ RATE_BUDGET_BLOCK_SIZE: '50' }));

    // Assess
    expect(error.variables).toEqual(['RATE_BUDGET_BLOCK_SIZE']);
  });
});

describe('loadRuntimeConfig', () => {
  const key = Buffer.alloc(32, 7).toString('base64');

  it('takes a local AES key when no KMS key is given', () => {
    const config = loadRuntimeConfig({ LEDGER_TABLE_NAME: 'ledger', CREDENTIALS_LOCAL_KEY: key });
    expect(config.credentialsKey.kind).toBe('local');
    expect(config.maxReceiveCount).toBe(5);
  });

  it('refuses both or neither credential keys', () => {
    const both = failure(() =>
      loadRuntimeConfig({
        LEDGER_TABLE_NAME: 'ledger',
        CREDENTIALS_LOCAL_KEY: key,
        CREDENTIALS_KMS_KEY_ID: 'alias/x',
      }),
    );
    const neither = failure(() => loadRuntimeConfig({ LEDGER_TABLE_NAME: 'ledger' }));
    expect(both.message).toMatch(/exactly one of CREDENTIALS_KMS_KEY_ID and CREDENTIALS_LOCAL_KEY/);
    expect(neither.message).toMatch(/exactly one/);
  });

  it('rejects a local key of the wrong length', () => {
    const error = failure(() =>
      loadRuntimeConfig({
        LEDGER_TABLE_NAME: 'ledger',
        CREDENTIALS_LOCAL_KEY: Buffer.alloc(16).toString('base64'),
      }),
    );
    expect(error.variables).toContain('CREDENTIALS_LOCAL_KEY');
  });
});

describe('the platform secrets', () => {
  const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;

  it('names one ARN variable per platform after its settings prefix', () => {
    // Act
    const variables = platformModules.map((p) => platformSecretVariable(p.settings));

    // Assess
    expect(variables).toEqual(platformModules.map((p) => `${p.settings.prefix}SECRET_ARN`));
    expect(platformSecretVariable(cloopenPlatform.settings)).toBe('CLOOPEN_SECRET_ARN');
    expect(platformSecretVariable(baijiayunPlatform.settings)).toBe('BAIJIAYUN_SECRET_ARN');
  });

  it('reads each platform secret ARN by platform name, and none where none is set', () => {
    // Act
    const arns = loadPlatformSecretArns(
      { CLOOPEN_SECRET_ARN: arn('c'), BAIJIAYUN_SECRET_ARN: ' ' },
      platformModules,
    );

    // Assess
    expect([...arns]).toEqual([['cloopen', arn('c')]]);
  });

  it('refuses an ARN that is not a Secrets Manager secret, naming the variable', () => {
    // Act
    const error = failure(() =>
      loadPlatformSecretArns(
        { BAIJIAYUN_SECRET_ARN: 'arn:aws:ssm:eu-west-1:1:parameter/x' },
        platformModules,
      ),
    );

    // Assess
    expect(error.variables).toEqual(['BAIJIAYUN_SECRET_ARN']);
  });

  it('no longer reads the single VENDOR_SECRET_ARN', () => {
    // Act
    const base = loadBaseConfig({ LEDGER_TABLE_NAME: 'ledger', VENDOR_SECRET_ARN: 'not-an-arn' });

    // Assess
    expect(base).not.toHaveProperty('vendorSecretArn');
  });

  it("overlays a platform's own variables only: a key of another platform is ignored", () => {
    // Act
    const settings = withPlatformSecret(
      { BAIJIAYUN_TIMEOUT_MS: '5000' },
      { CLOOPEN_ACCOUNT_SID: SID, BAIJIAYUN_BASE_URL: 'https://elsewhere.example.com' },
      cloopenPlatform,
    );

    // Assess
    expect(settings).toEqual({ BAIJIAYUN_TIMEOUT_MS: '5000', CLOOPEN_ACCOUNT_SID: SID });
  });

  it('refuses a secret that is not a JSON object, naming its variable', () => {
    // Act
    const error = failure(() => withPlatformSecret({}, ['x'], cloopenPlatform));

    // Assess
    expect(error.variables).toEqual(['CLOOPEN_SECRET_ARN']);
  });

  it('counts a secret without its credentials, or with blanks, as empty', () => {
    // Assess
    expect(isEmptyPlatformSecret({}, cloopenPlatform.settings)).toBe(true);
    expect(
      isEmptyPlatformSecret({ CLOOPEN_ACCOUNT_SID: ' ', CLOOPEN_FORMAT: 'xml' }, cloopenPlatform.settings),
    ).toBe(true);
    expect(isEmptyPlatformSecret({ CLOOPEN_ACCOUNT_SID: SID }, cloopenPlatform.settings)).toBe(false);
  });
});

describe('localPlatformOverrides', () => {
  it("takes a vendor's settings only when its base URL is set, and its other options always", () => {
    // Act
    const overrides = localPlatformOverrides({
      CLOOPEN_BASE_URL: 'https://sandboxapp.cloopen.com:8883/2013-12-26',
      CLOOPEN_ACCOUNT_SID: SID,
      BAIJIAYUN_PARTNER_ID: '123',
      BAIJIAYUN_TIMEOUT_MS: '5000',
      LEDGER_TABLE_NAME: 'x',
    });

    // Assess
    expect(overrides).toEqual({
      CLOOPEN_BASE_URL: 'https://sandboxapp.cloopen.com:8883/2013-12-26',
      CLOOPEN_ACCOUNT_SID: SID,
      BAIJIAYUN_TIMEOUT_MS: '5000',
    });
  });
});
