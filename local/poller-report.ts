/** Where the poller reports what it does; Powertools' Logger and a console adapter both fit. */
export interface PollerLogger {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

/** A logger that drops everything, the poller's default. */
export const SILENT: PollerLogger = { info() {}, warn() {}, error() {} };

/** Counters, for tests and the console. */
export interface PollerStats {
  readonly receives: number;
  readonly emptyReceives: number;
  readonly receiveErrors: number;
  readonly batches: number;
  readonly messagesReceived: number;
  readonly messagesDeleted: number;
  /** Messages left on the queue for redelivery (reported failures, failed batches). */
  readonly messagesFailed: number;
  readonly handlerErrors: number;
  readonly handlerTimeouts: number;
  readonly invalidResponses: number;
  readonly deleteErrors: number;
}

/** The live counters of one poller, of which {@link PollerStats} is a snapshot. */
export type PollerCounters = { -readonly [K in keyof PollerStats]: number };

/** Fresh counters, all zero. */
export function newCounters(): PollerCounters {
  return {
    receives: 0,
    emptyReceives: 0,
    receiveErrors: 0,
    batches: 0,
    messagesReceived: 0,
    messagesDeleted: 0,
    messagesFailed: 0,
    handlerErrors: 0,
    handlerTimeouts: 0,
    invalidResponses: 0,
    deleteErrors: 0,
  };
}

/** An error as log details: its name and message, never its stack or fields. */
export function describe(error: unknown): Record<string, unknown> {
  return error instanceof Error ? { error: error.name, message: error.message } : { error: String(error) };
}
