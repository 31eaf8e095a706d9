import { DEFAULT_STATE_FILE, isProcessAlive, type LocalStackState, readStackState } from '../local/state.ts';
import type { CliConfig, Environment } from '../shared/config.ts';
import { checkSettings } from '../shared/platforms/sources.ts';

/** The running local stack's description (what `npm start` writes), or `undefined` when none is running. */
export async function readLocalStack(config: CliConfig): Promise<LocalStackState | undefined> {
  const state = await readStackState(config.stateFile ?? DEFAULT_STATE_FILE);
  return state && isProcessAlive(state.pid) ? state : undefined;
}

/**
 * The settings for `provisioner platform …`: a platform whose master account is set in the environment uses
 * the environment; any other uses the running local stack's simulators.
 */
export async function platformEnvironment(env: Environment, config: CliConfig): Promise<Environment> {
  return checkSettings(env, (await readLocalStack(config))?.simulators ?? {});
}
