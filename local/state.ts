import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `npm start` describes the running stack for the CLI: `.local/stack.json` at the repository root. */
export const DEFAULT_STATE_FILE = fileURLToPath(new URL('../.local/stack.json', import.meta.url));

/**
 * What a running local stack publishes about itself: everything the CLI needs to reach it (the CLI reads
 * it through `cli/local-stack-file.ts`).
 */
export interface LocalStackState {
  /** The `npm start` process; the CLI ignores the file when it is no longer alive. */
  readonly pid: number;
  readonly region: string;
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly dlqUrl: string;
  readonly dlqArn: string;
  readonly tableName: string;
  /** The local outcomes queue the handler publishes outcome events to (`provisioner outcomes` reads it). */
  readonly outcomesQueueUrl?: string | undefined;
  /** The `CLOOPEN_*` / `BAIJIAYUN_*` settings of the simulators it runs (empty when it runs none). */
  readonly simulators: Readonly<Record<string, string>>;
  /** The file holding the local key that seals credentials (for `provisioner reconcile --repair`). */
  readonly credentialsKeyFile?: string | undefined;
  /** Where dynalite and fauxqs keep their data; absent when in memory. */
  readonly dataDir?: string | undefined;
  /** ISO 8601. */
  readonly startedAt: string;
}

/** Whether a process of this id exists (signal 0 checks without signalling). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads a state file; `undefined` when there is none or it is not valid JSON. */
export async function readStackState(
  file: string = DEFAULT_STATE_FILE,
): Promise<LocalStackState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as LocalStackState;
  } catch {
    return undefined;
  }
}

/**
 * Writes the state file atomically (a reader never sees half of it), readable by its owner only: it holds
 * the simulators' (fake) credentials.
 */
export async function writeStackState(file: string, state: LocalStackState): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}

/** Removes the state file if it still describes process `pid` (a newer stack's file is left alone). */
export async function removeStackState(file: string, pid: number): Promise<void> {
  const current = await readStackState(file);
  if (current !== undefined && current.pid !== pid) return;
  await rm(file, { force: true });
}
