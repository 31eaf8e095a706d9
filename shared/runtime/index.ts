import type { SQSClient } from '@aws-sdk/client-sqs';
import { type Environment, loadRuntimeConfig, quarantineSettings, type RuntimeConfig } from '../config.ts';
import { requestContract } from '../contract.ts';
import type { ProvisioningDependencies } from '../domain/dependencies.ts';
import { PlatformHealth, type QuarantineTarget } from '../lambda/quarantine.ts';
import { platformNames } from '../platforms/registry.ts';
import { buildCipher } from './cipher.ts';
import { buildLedger } from './ledger.ts';
import { buildOutcomePublisher } from './outcomes.ts';
import { livePlatforms, type PlatformCallObserver, type PlatformSecretObserver } from './platforms.ts';
import { buildQueueClient } from './producer.ts';
import { buildRateBudget } from './rate-budget.ts';

export { buildCipher } from './cipher.ts';
export { buildLedger } from './ledger.ts';
export { buildOutcomePublisher } from './outcomes.ts';
export {
  buildPlatforms,
  livePlatforms,
  PlatformSecretError,
  type PlatformSecretObserver,
  platformSettings,
} from './platforms.ts';
export { buildQueueClient } from './producer.ts';
export { buildRateBudget } from './rate-budget.ts';

/** What a composition root reports besides its dependencies. */
export interface RuntimeReporting {
  /** Told each time a vendor secret keeps its platform unavailable (still empty, say). */
  readonly secrets?: PlatformSecretObserver | undefined;
}

/**
 * The composition roots: small builders that turn configuration into the live objects a function needs.
 * They are the only place that knows which implementation sits behind each port; each function takes only
 * the builders it needs.
 */
export interface RuntimeDependencies {
  readonly runtime: RuntimeConfig;
  readonly provisioning: ProvisioningDependencies;
  readonly sqs: SQSClient;
  /** Provider quarantine, when the function consumes a queue it can park messages on. */
  readonly quarantine?: QuarantineTarget | undefined;
}

/**
 * What the provisioning function needs, as a source to call per invocation: configuration, SDK clients and
 * the cipher are built on the first call (once per execution environment; a failed first build is tried
 * again on the next call), the platforms whenever their settings change.
 */
export function provisioningRuntime(
  env: Environment,
  observe?: PlatformCallObserver,
  reporting: RuntimeReporting = {},
): () => Promise<RuntimeDependencies> {
  let stable:
    | {
        readonly runtime: RuntimeConfig;
        readonly sqs: SQSClient;
        readonly base: Omit<ProvisioningDependencies, 'platforms'>;
        readonly platforms: ReturnType<typeof livePlatforms>;
        readonly quarantine?: QuarantineTarget | undefined;
      }
    | undefined;
  return async () => {
    if (!stable) {
      const runtime = loadRuntimeConfig(env);
      const sqs = buildQueueClient(runtime);
      const { ledger, dynamodb } = buildLedger(runtime);
      // Per execution environment: the calls it sees decide whether it quarantines a platform.
      const health = new PlatformHealth(quarantineSettings(runtime));
      const both: PlatformCallObserver = (call) => {
        observe?.(call);
        health.observe(call);
      };
      stable = {
        runtime,
        sqs,
        quarantine:
          runtime.queueUrl === undefined
            ? undefined
            : { ledger, health, platforms: platformNames, sqs, queueUrl: runtime.queueUrl },
        base: {
          ledger,
          contract: requestContract,
          cipher: buildCipher(runtime),
          outcomes: buildOutcomePublisher(runtime, sqs),
          settings: {
            defaultHorizonDays: runtime.defaultHorizonDays,
            maxReceiveCount: runtime.maxReceiveCount,
          },
        },
        platforms: livePlatforms(env, runtime, {
          observe: both,
          rateBudget: buildRateBudget(env, runtime, dynamodb),
          secrets: reporting.secrets,
        }),
      };
    }
    return {
      runtime: stable.runtime,
      sqs: stable.sqs,
      quarantine: stable.quarantine,
      provisioning: { ...stable.base, platforms: await stable.platforms() },
    };
  };
}

/** Builds everything the provisioning function needs from an environment, once. */
export async function buildRuntimeDependencies(env: Environment): Promise<RuntimeDependencies> {
  return provisioningRuntime(env)();
}
