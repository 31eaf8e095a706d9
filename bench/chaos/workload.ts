import { messageGroupId } from '../../shared/producer/producer.ts';
import { Rng } from './prng.ts';

/**
 * The seeded workload of a chaos run: tenants on both platforms, a create each, then follow-ups per tenant
 * (suspend, resume, update, close), some tenants with many; the producer re-sending some requests (same
 * requestId, a new message). Pure: the same `(n, seed)` always gives the same sends, in the same order.
 */

export type ChaosPlatform = 'cloopen' | 'baijiayun';
export type ChaosAction = 'create' | 'suspend' | 'resume' | 'update' | 'close';

/** One valid request of the workload. */
export interface PlannedRequest {
  readonly requestId: string;
  readonly platform: ChaosPlatform;
  readonly tenantId: string;
  readonly action: ChaosAction;
  readonly profile?: Readonly<Record<string, string>> | undefined;
  /** The message body, as the producer sends it. */
  readonly body: string;
  /** The reason the handler must refuse it with (a platform without the operation), if it must. */
  readonly refusedAs?: string | undefined;
}

/** What one tenant's account must look like once every request of it is handled. */
export interface ExpectedAccount {
  readonly state: 'active' | 'suspended' | 'closed';
  /** Profile fields the platform must hold (only fields the workload sets). */
  readonly profile: Readonly<Record<string, string>>;
}

/** One tenant of the workload. */
export interface TenantPlan {
  readonly platform: ChaosPlatform;
  readonly tenantId: string;
  /** Cloopen friendlyName, Baijiayun mobile. */
  readonly naturalKey: string;
  readonly requests: readonly PlannedRequest[];
  readonly expected: ExpectedAccount;
  /** Created with {@link SWEEP_EXPIRY}: the sweep at the end of the run closes it. */
  readonly swept: boolean;
}

/** One message the producer puts on the queue. */
export interface PlannedSend {
  readonly kind: 'original' | 'resend';
  readonly request: PlannedRequest;
  readonly groupId: string;
  readonly deduplicationId: string;
}

/** The whole workload. */
export interface Workload {
  readonly seed: number;
  readonly tenants: readonly TenantPlan[];
  readonly sends: readonly PlannedSend[];
  /** Valid requests (sends minus re-sends). */
  readonly requests: number;
  readonly resends: number;
}

/** Share of requests the producer sends a second time. */
export const RESEND_SHARE = 0.03;

/** Share of tenants created with {@link SWEEP_EXPIRY}: the run's expiry sweep closes them at the end. */
export const SWEPT_SHARE = 0.04;
/** The expiry of the tenants the sweep acts on. */
export const SWEEP_EXPIRY = '2030-01-01T00:00:00.000Z';
/** The instant the run's sweep is evaluated at: past those tenants' 30-day grace, so it closes them. */
export const SWEEP_NOW = new Date('2030-03-01T00:00:00.000Z');

function followUpCount(rng: Rng): number {
  const r = rng.next();
  if (r < 0.05) return rng.int(10, 30); // a busy tenant
  if (r < 0.15) return rng.int(4, 8);
  return rng.int(0, 3);
}

function nextAction(rng: Rng, platform: ChaosPlatform, state: ExpectedAccount['state']): ChaosAction {
  const r = rng.next();
  if (platform === 'cloopen') return r < 0.6 ? 'suspend' : 'close';
  if (r < 0.12) return 'close';
  if (r < 0.55) return state === 'active' ? 'suspend' : 'resume';
  return 'update';
}

/** Plans one tenant: its create, its follow-ups (cut to `budget` requests in all) and the end state. */
function planTenant(rng: Rng, seed: number, index: number, budget: number): TenantPlan {
  const platform: ChaosPlatform = rng.chance(0.5) ? 'cloopen' : 'baijiayun';
  const tenantId = `chaos-${index}`;
  const naturalKey =
    platform === 'cloopen' ? `chaos${seed}t${index}@example.com` : `13${String(index).padStart(9, '0')}`;
  const profile: Record<string, string> =
    platform === 'cloopen'
      ? { friendlyName: naturalKey }
      : { mobile: naturalKey, email: `t${index}@chaos.example`, company: `Chaos ${index}` };
  const requests: PlannedRequest[] = [];
  const swept = rng.chance(SWEPT_SHARE);
  const add = (action: ChaosAction, extra: Record<string, string> | undefined, refusedAs?: string) => {
    const requestId = `r${index}-${requests.length}`;
    const message = {
      schemaVersion: 1,
      requestId,
      action,
      platform,
      tenantId,
      ...(action === 'create' && swept ? { expiresAt: SWEEP_EXPIRY } : {}),
      ...(extra ? { profile: extra } : {}),
    };
    requests.push({
      requestId,
      platform,
      tenantId,
      action,
      profile: extra,
      body: JSON.stringify(message),
      refusedAs,
    });
  };
  add('create', profile);
  let state: ExpectedAccount['state'] = 'active';
  const held: Record<string, string> =
    platform === 'cloopen' ? {} : { email: profile.email ?? '', company: profile.company ?? '' };
  const wanted = Math.min(followUpCount(rng), budget - 1);
  for (let k = 1; k <= wanted && state !== 'closed'; k++) {
    const action = nextAction(rng, platform, state);
    if (action === 'update') {
      const change: Record<string, string> = { company: `Chaos ${index} v${k}` };
      if (rng.chance(0.3)) change.email = `t${index}v${k}@chaos.example`;
      Object.assign(held, change);
      add('update', change);
    } else if (platform === 'cloopen' && action === 'suspend') {
      add('suspend', undefined, 'unsupported');
    } else {
      add(action, undefined);
      state = action === 'close' ? 'closed' : action === 'suspend' ? 'suspended' : 'active';
    }
  }
  // The sweep's close comes after every request of the run, so it decides the end state of a swept tenant.
  const final = swept ? 'closed' : state;
  return { platform, tenantId, naturalKey, requests, swept, expected: { state: final, profile: held } };
}

/** The workload of `n` valid requests for `seed`. */
export function generateWorkload(n: number, seed: number): Workload {
  const rng = new Rng(seed).fork('workload');
  const tenants: TenantPlan[] = [];
  let planned = 0;
  while (planned < n) {
    const tenant = planTenant(rng, seed, tenants.length + 1, n - planned);
    tenants.push(tenant);
    planned += tenant.requests.length;
  }
  const original = (request: PlannedRequest): PlannedSend => {
    const groupId = messageGroupId(request);
    return {
      kind: 'original',
      request,
      groupId,
      deduplicationId: `${request.requestId}@${request.tenantId}`,
    };
  };
  // Creates first, then the follow-ups interleaved across tenants, each tenant's in its own order.
  const ordered: PlannedSend[] = tenants.flatMap((t) => (t.requests[0] ? [original(t.requests[0])] : []));
  const queues = tenants.map((t) => t.requests.slice(1)).filter((q) => q.length > 0);
  while (queues.length > 0) {
    const i = rng.int(0, queues.length - 1);
    const queue = queues[i];
    const next = queue?.shift();
    if (next) ordered.push(original(next));
    if (!queue || queue.length === 0) queues.splice(i, 1);
  }
  // The producer sends some requests again a little later: the same requestId and body, a new message.
  const keyed = ordered.map((send, i) => ({ key: i, send }));
  let resends = 0;
  ordered.forEach((send, i) => {
    if (!rng.chance(RESEND_SHARE)) return;
    resends++;
    keyed.push({
      key: i + rng.int(1, 40) + 0.5,
      send: { ...send, kind: 'resend', deduplicationId: `${send.deduplicationId}#resend` },
    });
  });
  keyed.sort((a, b) => a.key - b.key);
  return { seed, tenants, sends: keyed.map((k) => k.send), requests: planned, resends };
}
