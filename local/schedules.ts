import type { PollerLogger } from './poller.ts';

/** A function the local stack runs on an interval, as EventBridge Scheduler runs it in AWS. */
export interface LocalSchedule {
  readonly name: string;
  readonly everyMs: number;
  /** One run, given the stack's environment; returns a line for the log, or nothing when it did nothing. */
  run(env: Readonly<Record<string, string>>): Promise<string | undefined>;
}

/** Running schedules; {@link stop} clears them and waits for runs in flight. */
export interface RunningSchedules {
  stop(): Promise<void>;
}

/**
 * Starts each schedule on its interval. A run that is still going when the next is due is not doubled
 * (the next waits for the following tick); a failed run is logged and the schedule goes on.
 */
export function startSchedules(
  schedules: readonly LocalSchedule[],
  env: Readonly<Record<string, string>>,
  log: PollerLogger,
): RunningSchedules {
  const inFlight = new Set<Promise<void>>();
  const timers = schedules.map((schedule) => {
    let running = false;
    return setInterval(() => {
      if (running) return;
      running = true;
      const run = schedule
        .run(env)
        .then((line) => {
          if (line !== undefined) log.info(`${schedule.name}: ${line}`);
        })
        .catch((error: unknown) =>
          log.error(`${schedule.name} failed`, {
            error: error instanceof Error ? error.message : String(error),
          }),
        )
        .finally(() => {
          running = false;
          inFlight.delete(run);
        });
      inFlight.add(run);
    }, schedule.everyMs);
  });
  return {
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await Promise.all(inFlight);
    },
  };
}
