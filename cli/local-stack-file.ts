import { DEFAULT_STATE_FILE, isProcessAlive, type LocalStackState, readStackState } from '../local/state.ts';
import type { CliConfig, Environment } from '../shared/config.ts';

/** The running local stack's description (what `npm start` writes), or `undefined` when none is running. */
export async function readLocalStack(config: CliConfig): Promise<LocalStackState | undefined> {
  const state = await readStackState(config.stateFile ?? DEFAULT_STATE_FILE);
  return state && isProcessAlive(state.pid) ? state : undefined;
}

/**
 * The settings for `provisioner platform …`: the environment's own `CLOOPEN_*` / `BAIJIAYUN_*` win; for a
 * vendor with none set, the running local stack's simulators are used.
 */
export async function platformEnvironment(env: Environment, config: CliConfig): Promise<Environment> {
  const simulators = (await readLocalStack(config))?.simulators ?? {};
  const merged: Record<string, string | undefined> = {};
  for (const [prefix, required] of [
    ['CLOOPEN_', 'CLOOPEN_ACCOUNT_SID'],
    ['BAIJIAYUN_', 'BAIJIAYUN_PARTNER_ID'],
  ] as const) {
    if (env[required]) continue;
    for (const [k, v] of Object.entries(simulators)) if (k.startsWith(prefix)) merged[k] = v;
  }
  // Variables set in the environment (say CLOOPEN_FORMAT=xml) still apply on top of the simulators'.
  for (const [k, v] of Object.entries(env)) if (v) merged[k] = v;
  return merged;
}
