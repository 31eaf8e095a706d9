import type { Output } from '../../cli/output.ts';

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
