import {
  type CloopenClient,
  type CloopenClientDeps,
  createCloopenClient,
} from '../../../../shared/platforms/cloopen/client.ts';
import type { CloopenConfig } from '../../../../shared/platforms/cloopen/settings.ts';
import { BackoffPacer } from '../../../../shared/platforms/pacer.ts';
import { Secret } from '../../../../shared/secret.ts';
import {
  type CloopenSimulatorHandle,
  type CloopenSimulatorOptions,
  startCloopenSimulator,
} from '../../../../simulators/cloopen/server.ts';

export const SID = 'aaaabbbbccccddddeeeeffff00001111';
export const TOKEN = 'T0k3nT0k3nT0k3nT0k3nT0k3nT0k3n99';
export const APP = 'ff8080813c37da53013c8054f5123456';
/** A fixed instant both sides read: 20:00:00 on China's clock. */
export const NOW = new Date('2024-05-01T12:00:00Z');

/** Starts a simulator that knows {@link SID}/{@link TOKEN}/{@link APP}, on the fixed clock. */
export function startSimulator(
  options: Partial<CloopenSimulatorOptions> = {},
): Promise<CloopenSimulatorHandle> {
  return startCloopenSimulator({
    accountSid: SID,
    authToken: TOKEN,
    appIds: [APP],
    now: () => NOW,
    ...options,
  });
}

/**
 * A client for the simulator; fast retries, small timeout, fixed clock unless overridden, and a back-off
 * pacer of its own (1 ms) so that one test's 111111 never slows another's calls.
 */
export function clientFor(
  sim: CloopenSimulatorHandle,
  format: 'json' | 'xml',
  overrides: Partial<CloopenConfig> = {},
  deps: CloopenClientDeps = {},
): CloopenClient {
  const config: CloopenConfig = {
    baseUrl: sim.baseUrl,
    accountSid: SID,
    authToken: new Secret(TOKEN),
    appId: APP,
    format,
    timeoutMs: 2_000,
    rateLimitedIntervalMs: 1,
    ...overrides,
  };
  return createCloopenClient(config, {
    now: () => NOW,
    retryBaseMs: 1,
    pacer: new BackoffPacer(config.rateLimitedIntervalMs),
    ...deps,
  });
}

/** Runs `action` and returns what it threw. */
export async function failure(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

/** Drains an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
