import type { CredentialCipher } from '../ports/cipher.ts';
import type { AccountRecord, DriftKind, DriftRecord, Ledger } from '../ports/ledger.ts';
import type { MasterAccountInfo, SubAccount } from '../ports/platform.ts';
import type { ConnectedPlatform } from '../ports/platform-module.ts';
import { collect } from './iterables.ts';

/** What reconciliation needs, all injected. */
export interface ReconcileDependencies {
  readonly ledger: Ledger;
  readonly platforms: readonly ConnectedPlatform[];
  /** Only `--repair` uses it: an adopted orphan's credentials are sealed like a create's. */
  readonly cipher?: CredentialCipher | undefined;
}

/** Options of one run. */
export interface ReconcileOptions {
  readonly now: Date;
  /** Adopt confirmed orphans that match a pending or failed create of the same natural key. */
  readonly repair?: boolean | undefined;
}

/** One platform's part of a run. */
export interface PlatformScan {
  readonly platform: string;
  /** Sub-accounts the platform listed. */
  readonly listed: number;
  /** Accounts the ledger holds for it. */
  readonly known: number;
  /** The master account, when the platform could say (balance, status). */
  readonly master?: MasterAccountInfo | undefined;
  /** Why the platform could not be scanned (its drift records are left as they were). */
  readonly error?: string | undefined;
}

/** What one run found and did. */
export interface ReconcileReport {
  readonly at: string;
  readonly scans: readonly PlatformScan[];
  /** Drifts seen in this scan and the one before it: reported to operators. */
  readonly confirmed: readonly DriftRecord[];
  /** Drifts seen for the first time: reported if the next scan sees them too. */
  readonly candidates: readonly DriftRecord[];
  /** Orphans adopted by `--repair`, as `platform/tenant ← subAccountId`. */
  readonly adopted: readonly string[];
}

/** A drift as one scan observes it, before the ledger's memory of earlier scans is applied. */
type Observed = Omit<DriftRecord, 'firstSeenAt' | 'lastSeenAt' | 'scans'>;

const LIVE_STATES: ReadonlySet<AccountRecord['state']> = new Set(['active', 'suspended']);

/** The drift id: one per platform sub-account, or per ledger account when the platform lost it. */
function driftId(kind: DriftKind, subAccountId: string): string {
  return `${kind}:${subAccountId}`;
}

/** How the ledger's state and the platform's disagree, when the platform reports states at all. */
function mismatch(account: AccountRecord, platformStatus: SubAccount['status'], at: string): boolean {
  if (platformStatus === 'unknown') return false;
  // A platform that stops accounts at their expiry itself is ahead of the sweep, not in drift.
  const expired = account.expiresAt !== undefined && account.expiresAt <= at;
  if (account.state === 'active') return platformStatus !== 'active' && !expired;
  // A closed Baijiayun account is a disabled one; a suspended one is too.
  if (account.state === 'suspended' || account.state === 'closed') return platformStatus === 'active';
  return false;
}

function observe(
  platform: string,
  listed: readonly SubAccount[],
  known: readonly AccountRecord[],
  at: string,
): Observed[] {
  const bySubAccount = new Map(known.flatMap((a) => (a.subAccountId ? [[a.subAccountId, a] as const] : [])));
  const onPlatform = new Map(listed.map((s) => [s.id, s]));
  const out: Observed[] = [];
  for (const sub of listed) {
    const account = bySubAccount.get(sub.id);
    if (!account) {
      out.push({
        id: driftId('orphan', sub.id),
        platform,
        kind: 'orphan',
        subAccountId: sub.id,
        naturalKey: sub.naturalKey,
        platformState: sub.status,
      });
    } else if (mismatch(account, sub.status, at)) {
      out.push({
        id: driftId('state-mismatch', sub.id),
        platform,
        kind: 'state-mismatch',
        subAccountId: sub.id,
        tenantId: account.tenantId,
        naturalKey: sub.naturalKey,
        ledgerState: account.state,
        platformState: sub.status,
      });
    }
  }
  for (const account of known) {
    if (!account.subAccountId || !LIVE_STATES.has(account.state) || onPlatform.has(account.subAccountId))
      continue;
    out.push({
      id: driftId('missing', account.subAccountId),
      platform,
      kind: 'missing',
      subAccountId: account.subAccountId,
      tenantId: account.tenantId,
      naturalKey: account.naturalKey,
      ledgerState: account.state,
    });
  }
  return out;
}

/**
 * Adopts a confirmed orphan that is the lost result of a create the ledger still holds as pending or failed
 * under the same natural key: the account becomes active with the platform's sub-account and credentials.
 * Nothing on the platform changes.
 */
async function adopt(
  drift: DriftRecord,
  platform: ConnectedPlatform,
  known: readonly AccountRecord[],
  deps: ReconcileDependencies,
  at: string,
): Promise<string | undefined> {
  const intent = known.find(
    (a) =>
      !a.subAccountId && (a.state === 'pending' || a.state === 'failed') && a.naturalKey === drift.naturalKey,
  );
  if (!intent || !deps.cipher || drift.naturalKey === undefined) return undefined;
  const { holder } = await deps.ledger.claimNaturalKey(platform.name, drift.naturalKey, intent.tenantId);
  if (holder !== intent.tenantId) return undefined;
  const found = await platform.get(drift.subAccountId);
  if (!found) return undefined;
  const { credentials, ...subAccount } = found;
  const sealed = await deps.cipher.seal(credentials, { platform: platform.name, tenantId: intent.tenantId });
  await deps.ledger.saveAccount({
    ...intent,
    state: 'active',
    version: intent.version + 1,
    subAccountId: subAccount.id,
    credentials: sealed,
    // A create still being retried finds its effect recorded and only concludes.
    lastRequestId: intent.pendingRequestId ?? intent.lastRequestId,
    pendingRequestId: undefined,
    lastError: undefined,
    updatedAt: at,
  });
  await deps.ledger.resolveDrift(platform.name, drift.id);
  return `${platform.name}/${intent.tenantId} ← ${subAccount.id}`;
}

/**
 * Compares each platform's sub-accounts with the ledger and reports three kinds of drift: orphans (on the
 * platform, unknown to the ledger), missing (live in the ledger, gone from the platform) and state
 * mismatches (where the platform reports states). A drift is confirmed only when two consecutive scans see
 * it, so a create or close in flight during one scan is not reported. It never changes a platform; with
 * `repair` it adopts the orphans a pending or failed create explains, and reports the rest.
 */
export async function reconcileAccounts(
  options: ReconcileOptions,
  deps: ReconcileDependencies,
): Promise<ReconcileReport> {
  const at = options.now.toISOString();
  const scans: PlatformScan[] = [];
  const confirmed: DriftRecord[] = [];
  const candidates: DriftRecord[] = [];
  const adopted: string[] = [];
  for (const platform of deps.platforms) {
    let listed: SubAccount[];
    let master: MasterAccountInfo | undefined;
    try {
      listed = await collect(platform.list());
      master = await platform.masterAccountInfo().catch(() => undefined);
    } catch (error) {
      // A platform that cannot be listed proves nothing: its earlier drifts stay as they were.
      scans.push({
        platform: platform.name,
        listed: 0,
        known: 0,
        error: error instanceof Error ? error.message : String(error),
      });
      continue;
    }
    const known = await collect(deps.ledger.listAccounts({ platform: platform.name }));
    const recorded = await deps.ledger.recordDriftScan(
      platform.name,
      observe(platform.name, listed, known, at),
      at,
    );
    for (const drift of recorded) {
      if (drift.scans < 2) {
        candidates.push(drift);
        continue;
      }
      const repaired =
        options.repair && drift.kind === 'orphan' ? await adopt(drift, platform, known, deps, at) : undefined;
      if (repaired) adopted.push(repaired);
      else confirmed.push(drift);
    }
    scans.push({ platform: platform.name, listed: listed.length, known: known.length, master });
  }
  return { at, scans, confirmed, candidates, adopted };
}
