import { type Environment, loadBaseConfig } from '../config.ts';
import type { ReconcileDependencies } from '../domain/reconcile-accounts.ts';
import { buildLedger } from './ledger.ts';
import { livePlatforms, type PlatformSecretObserver } from './platforms.ts';
import { buildRateBudget } from './rate-budget.ts';

/**
 * The reconcile function's composition root: the ledger and the platforms (from the platform secret in
 * AWS). No cipher: the scheduled run only reports; repairs are an operator's `provisioner reconcile --repair`.
 */
export function reconcileRuntime(
  env: Environment,
  reporting: { readonly secrets?: PlatformSecretObserver | undefined } = {},
): () => Promise<ReconcileDependencies> {
  const base = loadBaseConfig(env);
  const { ledger, dynamodb } = buildLedger(base);
  const platforms = livePlatforms(env, base, {
    rateBudget: buildRateBudget(env, base, dynamodb),
    secrets: reporting.secrets,
  });
  return async () => ({ ledger, platforms: [...(await platforms()).values()] });
}
