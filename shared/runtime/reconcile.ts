import { type Environment, loadBaseConfig } from '../config.ts';
import type { ReconcileDependencies } from '../domain/reconcile-accounts.ts';
import { buildLedger } from './ledger.ts';
import { livePlatforms } from './platforms.ts';
import { buildRateBudget } from './rate-budget.ts';

/**
 * The reconcile function's composition root: the ledger and the platforms (from the platform secret in
 * AWS). No cipher: the scheduled run only reports; repairs are an operator's `provisioner reconcile --repair`.
 */
export function reconcileRuntime(env: Environment): () => Promise<ReconcileDependencies> {
  const base = loadBaseConfig(env);
  const { ledger, dynamodb } = buildLedger(base);
  const platforms = livePlatforms(env, base, { rateBudget: buildRateBudget(env, base, dynamodb) });
  return async () => ({ ledger, platforms: [...(await platforms()).values()] });
}
