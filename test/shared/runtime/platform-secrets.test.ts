import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { platformSecretVariable } from '../../../shared/config.ts';
import { ProvisioningError } from '../../../shared/domain/errors.ts';
import { platformSecretAlerts } from '../../../shared/lambda/powertools.ts';
import { platformModules } from '../../../shared/platforms/registry.ts';
import type { ConnectedPlatform } from '../../../shared/ports/platform-module.ts';
import { provisioningRuntime } from '../../../shared/runtime/index.ts';
import { probeRuntime } from '../../../shared/runtime/probe.ts';
import { reconcileRuntime } from '../../../shared/runtime/reconcile.ts';

/**
 * The deployed functions' path from a platform secret to a platform, against a stand-in for the Secrets
 * Manager API (the real SDK client talks to it): an empty secret leaves its platform unavailable, says so
 * in a log line and a metric, and never takes the other platforms or the function down.
 */

/** What the stand-in answers per secret ARN: `undefined` is a secret without a value (no AWSCURRENT version). */
const stored = new Map<string, string | undefined>();
/** ARNs the stand-in refuses to show (as for a role without `GetSecretValue`). */
const denied = new Set<string>();
let server: Server;
let endpoint: string;

const [first, second] = platformModules as [
  (typeof platformModules)[number],
  (typeof platformModules)[number],
];
const arnOf = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`;

/** Values that `connect` accepts for a platform, valid by its own schema. */
function validValues(module: (typeof platformModules)[number]): Record<string, string> {
  const byKey: Record<string, string> = {
    baseUrl: 'https://sandbox.example.com/api',
    accountSid: 'a'.repeat(32),
    authToken: 'b'.repeat(32),
    appId: 'c'.repeat(32),
    partnerId: '1234567',
    partnerKey: 'partner-key-value',
  };
  return Object.fromEntries(
    module.settings.secret.map((key) => [module.settings.variables[key] ?? key, byKey[key] ?? 'x']),
  );
}

function environment(): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    LEDGER_TABLE_NAME: 'ledger-table',
    DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
    SQS_ENDPOINT: 'http://127.0.0.1:9',
    QUEUE_URL: 'http://127.0.0.1:9/000000000000/provisioning-requests.fifo',
    CREDENTIALS_LOCAL_KEY: Buffer.alloc(32, 7).toString('base64'),
    SECRETS_MANAGER_ENDPOINT: endpoint,
    [platformSecretVariable(first.settings)]: arnOf(first.name),
    [platformSecretVariable(second.settings)]: arnOf(second.name),
  };
}

/** Log lines the Powertools logger wrote, parsed. */
let lines: Record<string, unknown>[];
let metrics: Metrics;
let emitted: { dimensions: Record<string, string>; name: string; unit: string; value: number }[];

function alerts() {
  const logger = new Logger({ serviceName: 'provisioner-test', logLevel: 'INFO' });
  return platformSecretAlerts(logger, metrics);
}

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      const { SecretId } = JSON.parse(body) as { SecretId: string };
      const answer = (status: number, payload: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(payload));
      };
      if (denied.has(SecretId)) {
        return answer(400, { __type: 'AccessDeniedException', message: 'not authorized' });
      }
      const value = stored.get(SecretId);
      if (value === undefined) {
        return answer(400, {
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
        });
      }
      return answer(200, { ARN: SecretId, Name: SecretId, SecretString: value, VersionId: 'v1' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  stored.clear();
  denied.clear();
  lines = [];
  emitted = [];
  // Capture what the Powertools logger writes (INFO to stdout, WARN and ERROR to stderr).
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // Not a log line.
        }
      }
      return true;
    });
  }
  // Every metric goes out as a single metric with its own dimensions: record what each one carried.
  metrics = new Metrics({ namespace: 'Test', serviceName: 'provisioner-test' });
  vi.spyOn(metrics, 'singleMetric').mockImplementation(() => {
    const single = new Metrics({ namespace: 'Test', serviceName: 'provisioner-test', singleMetric: true });
    const dimensions: Record<string, string> = {};
    vi.spyOn(single, 'addDimensions').mockImplementation((d) => {
      Object.assign(dimensions, d);
      return single;
    });
    vi.spyOn(single, 'addDimension').mockImplementation((name, value) => {
      dimensions[name] = value;
      return single;
    });
    vi.spyOn(single, 'addMetric').mockImplementation((name, unit, value) => {
      emitted.push({ dimensions: { ...dimensions }, name, unit, value });
      return single;
    });
    return single;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function expectUnavailable(platform: ConnectedPlatform | undefined, variable: string) {
  const failure = await platform?.get('any-id').then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(ProvisioningError);
  expect(failure).toMatchObject({ reason: 'platform-not-configured', retryable: true });
  expect(String((failure as Error).message)).toContain(variable);
  expect(String((failure as Error).message)).toMatch(/empty/);
}

describe('an empty vendor secret in the handler', () => {
  it('leaves its platform unavailable (retryably), logs it and counts it, and keeps the other platform', async () => {
    // Prepare: the first platform's secret has no value yet; the second one's is filled in.
    stored.set(arnOf(second.name), JSON.stringify(validValues(second)));
    const variable = platformSecretVariable(first.settings);

    // Act
    const deps = await provisioningRuntime(environment(), undefined, { secrets: alerts() })();

    // Assess: the platform waits…
    const platforms = deps.provisioning.platforms;
    await expectUnavailable(platforms.get(first.name), variable);
    expect(platforms.get(second.name)?.supports.size).toBeGreaterThan(0);
    // …and the log line and the metric say why.
    const warning = lines.find((l) => l.platform === first.name);
    expect(warning).toMatchObject({ level: 'WARN', platform: first.name, secretVariable: variable });
    expect(String(warning?.message)).toMatch(/secret.*still empty/);
    expect(lines.some((l) => l.platform === second.name)).toBe(false);
    expect(emitted).toEqual([
      {
        dimensions: { platform: first.name },
        name: 'platform_secret_empty',
        unit: MetricUnit.Count,
        value: 1,
      },
    ]);
  });

  it('counts a secret holding only blank values as empty', async () => {
    // Prepare
    const blank = Object.fromEntries(Object.keys(validValues(first)).map((k) => [k, ' ']));
    stored.set(arnOf(first.name), JSON.stringify(blank));
    stored.set(arnOf(second.name), '{}');

    // Act
    const deps = await provisioningRuntime(environment(), undefined, { secrets: alerts() })();

    // Assess
    await expectUnavailable(
      deps.provisioning.platforms.get(first.name),
      platformSecretVariable(first.settings),
    );
    await expectUnavailable(
      deps.provisioning.platforms.get(second.name),
      platformSecretVariable(second.settings),
    );
    expect(emitted.map((m) => m.dimensions.platform).sort()).toEqual([first.name, second.name].sort());
  });

  it('picks up the value once an operator puts it in, without a cold start', async () => {
    // Prepare
    const live = provisioningRuntime(environment(), undefined, { secrets: alerts() });
    await live();

    // Act
    stored.set(arnOf(first.name), JSON.stringify(validValues(first)));
    stored.set(arnOf(second.name), JSON.stringify(validValues(second)));
    const deps = await live();

    // Assess
    expect(deps.provisioning.platforms.get(first.name)?.supports.size).toBeGreaterThan(0);
    expect(deps.provisioning.platforms.get(second.name)?.supports.size).toBeGreaterThan(0);
  });

  it('names a secret that is not a JSON object, or that cannot be read, without quoting it or failing the rest', async () => {
    // Prepare
    stored.set(arnOf(first.name), 'hunter2-not-json');
    denied.add(arnOf(second.name));

    // Act
    const deps = await provisioningRuntime(environment(), undefined, { secrets: alerts() })();

    // Assess
    const failures = await Promise.all(
      [first, second].map((m) =>
        deps.provisioning.platforms
          .get(m.name)
          ?.get('id')
          .catch((error: unknown) => error),
      ),
    );
    for (const failure of failures) {
      expect(failure).toMatchObject({ reason: 'platform-not-configured', retryable: true });
    }
    expect(JSON.stringify(lines)).not.toContain('hunter2');
    expect(lines.filter((l) => l.level === 'ERROR').map((l) => l.platform)).toEqual([
      first.name,
      second.name,
    ]);
    expect(emitted.map((m) => m.name)).toEqual(['platform_secret_invalid', 'platform_secret_invalid']);
  });
});

describe('an empty vendor secret in the reconciliation and the prober', () => {
  it.each([
    ['reconciliation', reconcileRuntime],
    ['prober', probeRuntime],
  ])('is stated in a log line and a metric by the %s too', async (_name, runtime) => {
    // Prepare
    stored.set(arnOf(second.name), JSON.stringify(validValues(second)));

    // Act
    const deps = await runtime(environment(), { secrets: alerts() })();

    // Assess
    const platform = deps.platforms.find((p) => p.name === first.name);
    await expectUnavailable(platform, platformSecretVariable(first.settings));
    expect(lines.find((l) => l.platform === first.name)).toMatchObject({ level: 'WARN' });
    expect(emitted).toEqual([expect.objectContaining({ name: 'platform_secret_empty' })]);
  });
});
