import { createHash } from 'node:crypto';
import type { DueAccount, Ledger } from '../ports/ledger.ts';
import type { LifecycleOperation } from '../ports/platform.ts';
import type { RequestQueue } from '../ports/request-queue.ts';
import { collect } from './iterables.ts';
import type { ProvisioningRequestInput } from './request.ts';

/** What the sweep does to one platform's expired accounts. */
export interface ExpiryPolicy {
  /** Days after `expiresAt` at which the account is closed; `undefined` never closes. */
  readonly graceDays: number | undefined;
}

/** Settings of the sweep. */
export interface SweepSettings {
  /** Policy per platform name; a platform without one gets {@link SweepSettings.defaultPolicy}. */
  readonly policies: ReadonlyMap<string, ExpiryPolicy>;
  readonly defaultPolicy: ExpiryPolicy;
  /** The guard trips when a run would act on more than max(`guardMinimum`, `guardPercent` % of live accounts)… */
  readonly guardMinimum: number;
  readonly guardPercent: number;
  /** …and no run, even with `allowMass`, acts on more than this many accounts (the rest wait for the next run). */
  readonly maxActionsPerRun: number;
}

/** A platform as the sweep sees it: its name and what it can do. */
export interface SweptPlatform {
  readonly name: string;
  readonly capabilities: ReadonlySet<LifecycleOperation>;
}

/** What the sweep needs, all injected. */
export interface SweepDependencies {
  readonly ledger: Ledger;
  readonly queue: RequestQueue;
  readonly platforms: readonly SweptPlatform[];
  readonly settings: SweepSettings;
}

/** Options of one run. */
export interface SweepOptions {
  /** The instant the policy is evaluated at. */
  readonly now: Date;
  /** Decide and report, change nothing anywhere. */
  readonly dryRun?: boolean | undefined;
  /** Act even when the guard would trip (up to `maxActionsPerRun`). */
  readonly allowMass?: boolean | undefined;
  /** Told how many of the actions were sent so far (a progress bar). */
  readonly onProgress?: ((sent: number, total: number) => void) | undefined;
}

/** One account the sweep acts on. */
export interface SweepAction {
  readonly platform: string;
  readonly tenantId: string;
  readonly action: 'suspend' | 'close';
  readonly expiresAt: string;
  /** Why, for people: "expired 2027-01-31T00:00:00.000Z; grace of 30 days ended 2027-03-02…". */
  readonly reason: string;
  /** The deterministic request id: one action per account, expiry and kind, however often the sweep runs. */
  readonly requestId: string;
}

/** What one run decided and did. */
export interface SweepReport {
  readonly now: string;
  readonly dryRun: boolean;
  readonly actions: readonly SweepAction[];
  /** The most actions this run may take before the guard trips (a lower bound once the count proved the run small enough). */
  readonly threshold: number;
  /** True when the guard stopped the run: nothing was sent. */
  readonly guardTripped: boolean;
  /** Requests put on the queue (0 on a dry run or a tripped guard). */
  readonly sent: number;
  /** Requests the queue refused (they are sent again by the next run). */
  readonly failed: number;
  /** Due actions left for the next run by the per-run cap. */
  readonly deferred: number;
}

const DAY_MS = 86_400_000;
/** Requests per queue call: small enough for a progress bar to move, big enough to batch well. */
const SEND_CHUNK = 50;

/** `sweep:{action}:{expiresAt}:{hash}`: the same account, expiry and action always give the same id. */
export function sweepRequestId(
  platform: string,
  tenantId: string,
  action: string,
  expiresAt: string,
): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([platform, tenantId, action, expiresAt]))
    .digest('hex');
  return `sweep:${action}:${expiresAt}:${hash.slice(0, 24)}`;
}

function action(account: DueAccount, kind: SweepAction['action'], reason: string): SweepAction {
  return {
    platform: account.platform,
    tenantId: account.tenantId,
    action: kind,
    expiresAt: account.expiresAt,
    reason,
    requestId: sweepRequestId(account.platform, account.tenantId, kind, account.expiresAt),
  };
}

/**
 * The due actions on one platform. Closing wins over suspending: an active account past its grace is
 * closed directly. A platform that cannot suspend is left alone until its grace ends. Each listing reads
 * only accounts it acts on: `open` ones (active, or suspended before they expired) up to now when the
 * platform can suspend, else up to the end of the grace; `expired` ones up to the end of the grace.
 */
async function dueOn(
  platform: SweptPlatform,
  policy: ExpiryPolicy,
  now: Date,
  ledger: Ledger,
): Promise<SweepAction[]> {
  const out: SweepAction[] = [];
  const canClose = policy.graceDays !== undefined && platform.capabilities.has('close');
  const canSuspend = platform.capabilities.has('suspend');
  const closeBefore =
    canClose && policy.graceDays !== undefined
      ? new Date(now.getTime() - policy.graceDays * DAY_MS).toISOString()
      : undefined;
  const close = (account: DueAccount) =>
    action(
      account,
      'close',
      `expired ${account.expiresAt}; its grace of ${policy.graceDays} days ended by ${now.toISOString()}`,
    );
  if (closeBefore !== undefined) {
    for (const account of await collect(ledger.listDue(platform.name, 'expired', closeBefore))) {
      out.push(close(account));
    }
  }
  const openBefore = canSuspend ? now.toISOString() : closeBefore;
  if (openBefore === undefined) return out;
  for (const account of await collect(ledger.listDue(platform.name, 'open', openBefore))) {
    if (closeBefore !== undefined && account.expiresAt <= closeBefore) out.push(close(account));
    else out.push(action(account, 'suspend', `expired ${account.expiresAt}, by ${now.toISOString()}`));
  }
  return out;
}

function request(due: SweepAction): ProvisioningRequestInput {
  return {
    schemaVersion: 1,
    requestId: due.requestId,
    platform: due.platform,
    tenantId: due.tenantId,
    action: due.action,
  };
}

/**
 * Acts on accounts whose time has come: at `expiresAt` it suspends where the platform can; at
 * `expiresAt` + grace it closes (never, when the platform's grace is "never"). It reads only due accounts,
 * through the ledger's expiry index, and acts by putting ordinary requests on the provisioning queue, each
 * with a deterministic request id: overlapping or repeated runs cause one action per account and expiry.
 *
 * The blast-radius guard: a run that would act on more than max(`guardMinimum`, `guardPercent` % of the
 * live (active or suspended) accounts) acts on none, records a guard event and reports it, unless `allowMass` is set.
 */
export async function sweepExpiredAccounts(
  options: SweepOptions,
  deps: SweepDependencies,
): Promise<SweepReport> {
  const { now } = options;
  const dryRun = options.dryRun === true;
  const actions: SweepAction[] = [];
  for (const platform of deps.platforms) {
    const policy = deps.settings.policies.get(platform.name) ?? deps.settings.defaultPolicy;
    actions.push(...(await dueOn(platform, policy, now, deps.ledger)));
  }
  actions.sort((a, b) => (a.expiresAt < b.expiresAt ? -1 : a.expiresAt > b.expiresAt ? 1 : 0));
  const { guardMinimum, guardPercent, maxActionsPerRun } = deps.settings;
  // Counting live accounts reads the index; only a run big enough to need it pays for it, and the count
  // stops once it proves the run small enough (the threshold is then reported as that lower bound).
  const enough = guardPercent > 0 ? Math.ceil((actions.length * 100) / guardPercent) : 0;
  const live =
    actions.length > guardMinimum && enough > 0 ? await deps.ledger.countLiveAccounts(undefined, enough) : 0;
  const threshold = Math.min(
    maxActionsPerRun,
    Math.max(guardMinimum, Math.floor((live * guardPercent) / 100)),
  );
  const guardTripped = actions.length > threshold && options.allowMass !== true;
  const base = { now: now.toISOString(), dryRun, actions, threshold, guardTripped };
  if (guardTripped) {
    if (!dryRun) {
      await deps.ledger.recordOperation({
        kind: 'sweep-guard-tripped',
        at: now.toISOString(),
        detail: `the sweep would act on ${actions.length} accounts, over its threshold of ${threshold}; it acted on none (run it with --allow-mass to override once)`,
        count: actions.length,
      });
    }
    return { ...base, sent: 0, failed: 0, deferred: actions.length };
  }
  const batch = actions.slice(0, maxActionsPerRun);
  const deferred = actions.length - batch.length;
  if (dryRun || batch.length === 0) return { ...base, sent: 0, failed: 0, deferred };
  let sent = 0;
  let failed = 0;
  for (let i = 0; i < batch.length; i += SEND_CHUNK) {
    const result = await deps.queue.send(batch.slice(i, i + SEND_CHUNK).map(request));
    sent += result.sent;
    failed += result.failed;
    options.onProgress?.(Math.min(i + SEND_CHUNK, batch.length), batch.length);
  }
  return { ...base, sent, failed, deferred };
}
