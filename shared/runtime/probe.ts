import { type Environment, loadBaseConfig, loadQuarantineSettings } from '../config.ts';
import type { ProbeDependencies } from '../domain/probe-quarantined-platforms.ts';
import { SqsMessageReleaser } from '../producer/index.ts';
import { buildLedger } from './ledger.ts';
import { livePlatforms, type PlatformSecretObserver } from './platforms.ts';
import { buildQueueClient } from './producer.ts';
import { buildRateBudget } from './rate-budget.ts';

/** The prober's composition root: the ledger, the platforms, and the queue it releases parked messages on. */
export function probeRuntime(
  env: Environment,
  reporting: { readonly secrets?: PlatformSecretObserver | undefined } = {},
): () => Promise<ProbeDependencies> {
  const base = loadBaseConfig(env);
  const { ledger, dynamodb } = buildLedger(base);
  const releaser = new SqsMessageReleaser(buildQueueClient(base));
  const settings = loadQuarantineSettings(env);
  const platforms = livePlatforms(env, base, {
    rateBudget: buildRateBudget(env, base, dynamodb),
    secrets: reporting.secrets,
  });
  return async () => ({ ledger, releaser, settings, platforms: [...(await platforms()).values()] });
}
