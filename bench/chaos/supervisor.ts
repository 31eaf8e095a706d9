import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * Runs the handler process of a chaos run (`worker.ts`), captures every line it writes (stdout and
 * stderr, for the secrets check), reads its `@@chaos` reports, and SIGKILLs and restarts it on demand.
 */

/** What the worker reports. */
export interface WorkerEvents {
  /** A batch was handed to the handler: message ids and their receive counts. */
  onBatch(deliveries: readonly (readonly [string, number])[]): void;
  /** Records handed to the handler a second time (duplicate deliveries). */
  onDuplicates(messageIds: readonly string[]): void;
  /** Deliveries the handler acknowledged (not in its `batchItemFailures`). */
  onAcked?(messageIds: readonly string[]): void;
}

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** The supervised handler process. */
export class HandlerSupervisor {
  readonly #env: Readonly<Record<string, string>>;
  readonly #events: WorkerEvents;
  #child: ChildProcess | undefined;
  #busy: Promise<void> = Promise.resolve();
  /** Every log line of every handler process of the run. */
  readonly logLines: string[] = [];
  /** SIGKILLs delivered while work was in progress (the final stop is not one). */
  kills = 0;
  /** True from a kill until the new process is ready. */
  restarting = false;

  constructor(env: Readonly<Record<string, string>>, events: WorkerEvents) {
    this.#env = env;
    this.#events = events;
  }

  #line(text: string): void {
    if (!text.startsWith('@@chaos ')) {
      this.logLines.push(text);
      return;
    }
    const message = JSON.parse(text.slice(8)) as { t: string; d?: unknown };
    if (message.t === 'batch') this.#events.onBatch(message.d as [string, number][]);
    if (message.t === 'dup') this.#events.onDuplicates(message.d as string[]);
    if (message.t === 'acked') this.#events.onAcked?.(message.d as string[]);
  }

  /** Starts a handler process and waits until it polls. */
  async start(): Promise<void> {
    const child = spawn(process.execPath, [WORKER], {
      env: { ...this.#env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    const ready = new Promise<void>((resolve, reject) => {
      const out = createInterface({ input: child.stdout as NodeJS.ReadableStream });
      out.on('line', (text) => {
        if (text === '@@chaos {"t":"ready"}') resolve();
        else this.#line(text);
      });
      createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (t) =>
        this.logLines.push(t),
      );
      child.once('exit', (code) => reject(new Error(`handler process exited (${code}) before it was ready`)));
    });
    await ready;
  }

  /** SIGKILLs the handler process wherever it is and starts a new one. Overlapping calls are skipped. */
  kill(): Promise<void> {
    if (this.restarting) return this.#busy;
    this.restarting = true;
    this.#busy = (async () => {
      const child = this.#child;
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
        this.kills++;
      }
      await this.start();
      this.restarting = false;
    })();
    return this.#busy;
  }

  /** Waits for a restart in progress, then stops the handler process for good. */
  async stop(): Promise<void> {
    await this.#busy.catch(() => undefined);
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
  }
}
