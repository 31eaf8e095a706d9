import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Output } from '../../cli/output.ts';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../local/stack.ts';
import { createTables, makeHandler, startSimulators } from '../../local/wiring.ts';

/** An {@link Output} that keeps what the CLI wrote, line by line. */
export interface Captured extends Output {
  readonly stdout: string[];
  readonly stderr: string[];
}

/** Captures the CLI's output (not a terminal, so no progress bars). */
export function capture(): Captured {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), interactive: false };
}

/** A running local stack for CLI tests, with the environment that points the CLI at it. */
export interface CliStack {
  /** A temporary directory of the test's own (the state file is in it). */
  readonly dir: string;
  readonly stack: LocalStack;
  /** `PROVISIONER_STATE_FILE` naming this stack's state file. */
  readonly env: Record<string, string>;
  /** Stops the stack and removes the directory. */
  stop(): Promise<void>;
}

/**
 * Starts the whole local stack (dynalite, fauxqs, the simulators, the handler behind a poller that never
 * waits) with its state file in a new temporary directory named after `prefix`.
 */
export async function startCliStack(
  prefix: string,
  options: { readonly startSimulators?: LocalStackOptions['startSimulators'] } = {},
): Promise<CliStack> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const stateFile = join(dir, 'stack.json');
  const stack = await startLocalStack({
    stateFile,
    createTables,
    startSimulators: options.startSimulators ?? startSimulators,
    makeHandler,
    poller: { waitTimeSeconds: 0 },
  });
  return {
    dir,
    stack,
    env: { PROVISIONER_STATE_FILE: stateFile },
    async stop() {
      await stack.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
