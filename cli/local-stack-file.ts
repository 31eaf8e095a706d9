import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CliConfig, Environment } from '../shared/config.ts';

/** What `npm start` writes for the CLI (see `local/stack.ts`). */
export interface LocalStackInfo {
  readonly pid: number;
  readonly region: string;
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly queueUrl: string;
  readonly tableName: string;
  /** The `CLOOPEN_*` / `BAIJIAYUN_*` settings of the simulators it runs. */
  readonly simulators?: Readonly<Record<string, string>> | undefined;
}

const DEFAULT_STATE_FILE = fileURLToPath(new URL('../.local/stack.json', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The running local stack's description, or `undefined` when none is running. */
export function readLocalStack(config: CliConfig): LocalStackInfo | undefined {
  const file = config.stateFile ?? DEFAULT_STATE_FILE;
  if (!existsSync(file)) return undefined;
  const info = JSON.parse(readFileSync(file, 'utf8')) as LocalStackInfo;
  return alive(info.pid) ? info : undefined;
}

/**
 * The settings for `provisioner platform …`: the environment's own `CLOOPEN_*` / `BAIJIAYUN_*` win; for a
 * vendor with none set, the running local stack's simulators are used.
 */
export function platformEnvironment(env: Environment, config: CliConfig): Environment {
  const simulators = readLocalStack(config)?.simulators ?? {};
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
