import { isPlatformError } from '../shared/ports/errors.ts';

/** Where the CLI writes; injectable so tests capture it. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal (progress bars are drawn only then). */
  readonly interactive: boolean;
  /** Aborted when the user interrupts (`outcomes --follow` stops on it); without it, the process's SIGINT. */
  readonly interrupted?: AbortSignal | undefined;
  /** True when stdout is a terminal: commands that print secrets warn then (absent: not a terminal). */
  readonly stdoutIsTerminal?: boolean | undefined;
}

/** The process's own streams. */
export const processOutput: Output = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  interactive: process.stderr.isTTY === true,
  stdoutIsTerminal: process.stdout.isTTY === true,
};

/** One JSON document; `Secret`s redact themselves through `toJSON`. */
export function printJson(output: Output, value: unknown): void {
  output.out(JSON.stringify(value, null, 2));
}

/** A fixed-width table of the given columns. */
export function printTable(
  output: Output,
  rows: readonly Record<string, unknown>[],
  columns: readonly string[],
): void {
  const cell = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  output.out(line(columns));
  for (const row of rows) output.out(line(columns.map((c) => cell(row[c]))));
}

/** The text an operator sees for an error: the platform's own code and message first. */
export function describeError(error: unknown): string {
  if (isPlatformError(error)) {
    const vendor = [error.code && `code ${error.code}`, error.vendorMessage].filter(Boolean).join(': ');
    return `${error.platform} error${vendor ? ` (${vendor})` : ''}: ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** A JSON document describing an error, for `--json` callers. */
export function errorDocument(error: unknown): Record<string, unknown> {
  if (isPlatformError(error)) {
    return {
      error: {
        platform: error.platform,
        category: error.category,
        code: error.code,
        message: error.vendorMessage ?? error.message,
        detail: error.message,
      },
    };
  }
  return { error: { message: error instanceof Error ? error.message : String(error) } };
}

/** A progress bar on standard error, drawn only on a terminal. */
export function drawProgress(output: Output, done: number, total: number): void {
  if (!output.interactive) return;
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
  if (done === total) process.stderr.write('\n');
}
