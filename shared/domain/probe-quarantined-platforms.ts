import type { Ledger } from '../ports/ledger.ts';
import type { ConnectedPlatform } from '../ports/platform-module.ts';
import type { ParkedMessageReleaser } from '../ports/request-queue.ts';
import { classifyFailure } from './errors.ts';
import { nextCoolDown, type QuarantineSettings } from './quarantine.ts';

/** What the prober needs, all injected. */
export interface ProbeDependencies {
  readonly ledger: Ledger;
  readonly platforms: readonly ConnectedPlatform[];
  readonly releaser: ParkedMessageReleaser;
  readonly settings: QuarantineSettings;
}

/** What became of one quarantined platform in a run. */
export interface ProbeResult {
  readonly platform: string;
  /** `waiting`: its cool-down is not over (or another prober holds the probe). */
  readonly outcome: 'waiting' | 'recovered' | 'still-failing';
  /** Parked messages made visible again (on recovery). */
  readonly released?: number | undefined;
  /** The next cool-down, ms (still failing). */
  readonly coolDownMs?: number | undefined;
}

/** How long a prober holds the probe: longer than one read of the platform with its retries. */
const PROBE_LEASE_MS = 60_000;

/**
 * Probes each quarantined platform whose cool-down is over, at most once per cool-down (a conditional claim
 * in the ledger), with a read that changes nothing (the master account). When it answers, the quarantine
 * ends and every message parked meanwhile is made visible again, so processing resumes at once; when it
 * fails transiently, the quarantine goes on for a longer cool-down. Any other answer (say, refused
 * credentials) ends it too: the platform is up, and the requests will fail for their own reasons.
 */
export async function probeQuarantinedPlatforms(now: Date, deps: ProbeDependencies): Promise<ProbeResult[]> {
  const at = now.toISOString();
  const results: ProbeResult[] = [];
  for (const platform of deps.platforms) {
    const state = await deps.ledger.getQuarantine(platform.name);
    if (!state) continue;
    if (state.until > at || !(await deps.ledger.claimProbe(platform.name, at, PROBE_LEASE_MS))) {
      results.push({ platform: platform.name, outcome: 'waiting' });
      continue;
    }
    try {
      await platform.masterAccountInfo();
    } catch (error) {
      if (classifyFailure(error) === 'retryable') {
        const coolDownMs = nextCoolDown(state.coolDownMs, deps.settings);
        await deps.ledger.extendQuarantine(
          platform.name,
          new Date(now.getTime() + coolDownMs).toISOString(),
          coolDownMs,
        );
        results.push({ platform: platform.name, outcome: 'still-failing', coolDownMs });
        continue;
      }
    }
    await deps.ledger.endQuarantine(platform.name);
    let released = 0;
    for (const parked of await deps.ledger.listParked(platform.name)) {
      // A handle that expired (the message came back by itself after 12 h) has nothing left to release.
      await deps.releaser.release(parked).catch(() => undefined);
      await deps.ledger.unpark(platform.name, parked.messageId);
      released += 1;
    }
    results.push({ platform: platform.name, outcome: 'recovered', released });
  }
  return results;
}
