import type { AccountRecord, DriftRecord, HistoryEntry } from '../../shared/ports/ledger.ts';
import type { TenantPlan, Workload } from './workload.ts';

/**
 * The invariants checked at the end of a chaos run, on snapshots taken once the queue is drained. Pure:
 * the run collects the snapshots (`snapshot.ts`), this judges them.
 */

/** A sub-account as a simulator holds it, reduced to what the checks compare. */
export interface PlatformAccount {
  readonly platform: string;
  readonly id: string;
  readonly naturalKey: string;
  /** Whether the platform lets it work (active, not disabled or closed). */
  readonly live: boolean;
  readonly profile: Readonly<Record<string, string>>;
}

/** A malformed message sent by the run. */
export interface SentMalformed {
  readonly messageId: string;
  readonly name: string;
}

/** Everything the checks look at. */
export interface RunSnapshot {
  readonly workload: Workload;
  /** Ledger accounts by `platform/tenantId`. */
  readonly accounts: ReadonlyMap<string, AccountRecord>;
  /** Ledger history by `platform/tenantId`. */
  readonly histories: ReadonlyMap<string, readonly HistoryEntry[]>;
  readonly platformAccounts: readonly PlatformAccount[];
  /** Rejections recorded in the run, attributed or not. */
  readonly rejections: readonly HistoryEntry[];
  readonly malformed: readonly SentMalformed[];
  /** Deliveries by message id (duplicate deliveries the run made itself excluded). */
  readonly deliveries: ReadonlyMap<string, number>;
  /**
   * By message id: unacknowledged deliveries before its first acknowledgement (each met an injected fault
   * or a kill: the handler acknowledges a malformed message as soon as its rejection is recorded), and
   * deliveries after it (none may happen).
   */
  readonly acks: ReadonlyMap<string, { readonly before: number; readonly after: number }>;
  readonly dlq: readonly string[];
  /** Drifts reconciliation confirmed over two scans. */
  readonly drifts: readonly DriftRecord[];
  readonly logLines: readonly string[];
  /** Secret values the platforms issued or hold; none may appear in a log line. */
  readonly secrets: readonly string[];
  /** Messages still on the queue (visible, in flight or delayed) when the run stopped waiting. */
  readonly undrained: number;
}

/** One broken invariant. */
export interface Violation {
  readonly kind:
    | 'duplicate'
    | 'lost'
    | 'mismatch'
    | 'in-flight'
    | 'malformed'
    | 'dlq'
    | 'secret'
    | 'undrained';
  /** `platform/tenantId`, a message id, or a log line number. */
  readonly subject: string;
  readonly problem: string;
  readonly history?: readonly HistoryEntry[] | undefined;
}

/** The verdict. */
export interface CheckResult {
  readonly duplicates: number;
  readonly lost: number;
  readonly mismatches: number;
  readonly malformedRejected: number;
  readonly violations: readonly Violation[];
}

const keyOf = (platform: string, tenantId: string) => `${platform}/${tenantId}`;

function checkTenant(
  tenant: TenantPlan,
  s: RunSnapshot,
  byKey: Map<string, PlatformAccount[]>,
  out: Violation[],
) {
  const subject = keyOf(tenant.platform, tenant.tenantId);
  const history = s.histories.get(subject) ?? [];
  const v = (kind: Violation['kind'], problem: string) => out.push({ kind, subject, problem, history });
  const byRequest = new Map(history.flatMap((h) => (h.requestId ? [[h.requestId, h] as const] : [])));
  for (const request of tenant.requests) {
    const entry = byRequest.get(request.requestId);
    if (!entry) v('lost', `${request.action} ${request.requestId} has no history`);
    else if (entry.status === 'in-progress')
      v('in-flight', `${request.action} ${request.requestId} is in progress`);
    else if (request.refusedAs ? entry.error?.reason !== request.refusedAs : entry.status !== 'succeeded') {
      v(
        'lost',
        `${request.action} ${request.requestId} ended ${entry.status} (${entry.error?.reason ?? entry.result})`,
      );
    }
  }
  const onPlatform = byKey.get(`${tenant.platform}/${tenant.naturalKey}`) ?? [];
  if (onPlatform.length > 1) v('duplicate', `${onPlatform.length} sub-accounts for ${tenant.naturalKey}`);
  const account = s.accounts.get(subject);
  const sub = onPlatform[0];
  if (!account || !sub) {
    v('lost', `ledger ${account ? account.state : 'none'}, platform ${sub ? 'has it' : 'none'}`);
    return;
  }
  if (account.pendingRequestId) v('in-flight', `account still pending ${account.pendingRequestId}`);
  if (account.state !== tenant.expected.state)
    v('lost', `ledger ${account.state}, expected ${tenant.expected.state}`);
  if (account.subAccountId !== sub.id)
    v('mismatch', `ledger sub-account ${account.subAccountId}, platform ${sub.id}`);
  if (sub.live !== (account.state === 'active'))
    v('mismatch', `ledger ${account.state}, platform live=${sub.live}`);
  for (const [field, value] of Object.entries(tenant.expected.profile)) {
    if (sub.profile[field] !== value) v('lost', `platform ${field}=${sub.profile[field]}, expected ${value}`);
    if (account.profile?.[field] !== undefined && account.profile[field] !== value) {
      v('mismatch', `ledger ${field}=${String(account.profile[field])}, expected ${value}`);
    }
  }
}

/** Judges a run. Each broken invariant is one violation; the counts are by kind. */
export function checkRun(s: RunSnapshot): CheckResult {
  const out: Violation[] = [];
  const byKey = new Map<string, PlatformAccount[]>();
  for (const a of s.platformAccounts) {
    const k = `${a.platform}/${a.naturalKey}`;
    byKey.set(k, [...(byKey.get(k) ?? []), a]);
  }
  for (const tenant of s.workload.tenants) checkTenant(tenant, s, byKey, out);
  const planned = new Set(s.workload.tenants.map((t) => `${t.platform}/${t.naturalKey}`));
  for (const [k, list] of byKey) {
    if (!planned.has(k))
      out.push({
        kind: 'duplicate',
        subject: k,
        problem: `${list.length} sub-account(s) no tenant asked for`,
      });
  }
  for (const d of s.drifts)
    out.push({
      kind: 'mismatch',
      subject: `${d.platform}/${d.tenantId ?? d.subAccountId}`,
      problem: `reconciliation: ${d.kind}`,
    });
  const rejected = new Map(s.rejections.flatMap((r) => (r.messageId ? [[r.messageId, r] as const] : [])));
  let malformedRejected = 0;
  for (const m of s.malformed) {
    const entry = rejected.get(m.messageId);
    const acked = s.acks.get(m.messageId);
    if (!entry || (entry.issues ?? []).length === 0)
      out.push({
        kind: 'malformed',
        subject: m.messageId,
        problem: `${m.name}: no recorded rejection reason`,
      });
    else if (!acked || acked.after > 0)
      out.push({
        kind: 'malformed',
        subject: m.messageId,
        problem: acked
          ? `${m.name}: delivered ${acked.after} more time(s) after its rejection was acknowledged`
          : `${m.name}: never acknowledged`,
      });
    else malformedRejected++;
  }
  for (const body of s.dlq)
    out.push({ kind: 'dlq', subject: 'dlq', problem: `unexplained DLQ message: ${body.slice(0, 200)}` });
  const secrets = s.secrets.filter((x) => x.length >= 8);
  s.logLines.forEach((line, i) => {
    const found = secrets.find((x) => line.includes(x));
    if (found)
      out.push({
        kind: 'secret',
        subject: `log line ${i + 1}`,
        problem: `a secret value (${found.slice(0, 3)}…) is logged`,
      });
  });
  if (s.undrained > 0)
    out.push({
      kind: 'undrained',
      subject: 'queue',
      problem: `${s.undrained} message(s) still on the queue`,
    });
  const count = (...kinds: Violation['kind'][]) => out.filter((x) => kinds.includes(x.kind)).length;
  return {
    duplicates: count('duplicate'),
    lost: count('lost', 'in-flight', 'undrained'),
    mismatches: count('mismatch'),
    malformedRejected,
    violations: out,
  };
}
