import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ReconcileDependencies, reconcileAccounts } from '../../../shared/domain/reconcile-accounts.ts';
import {
  baijiayunCreateInput,
  clockOf,
  cloopenCreateInput,
  NOW,
  runCreate,
  startUseCaseHarness,
  type UseCaseHarness,
  validRequest,
} from '../../support/use-cases.ts';

let h: UseCaseHarness;
let deps: ReconcileDependencies;

beforeEach(async () => {
  // Each test its own platforms and ledger: a scan sees everything on them.
  h = await startUseCaseHarness();
  deps = { ledger: h.ledger, platforms: [...h.deps.platforms.values()], cipher: h.deps.cipher };
});

afterEach(async () => {
  await h?.stop();
});

const scan = (minutes: number, repair = false) =>
  reconcileAccounts({ now: new Date(NOW.getTime() + minutes * 60_000), repair }, deps);

/** A provisioned Baijiayun tenant; its expiry lies beyond the simulator's (real) clock. */
async function baijiayunTenant(prefix: string, expiresAt = '2030-01-01T00:00:00Z') {
  const ids = h.ids(prefix);
  await runCreate(
    validRequest(baijiayunCreateInput(ids, h.mobile(), { expiresAt })),
    undefined,
    h.deps,
    clockOf(h.deps),
  );
  return h.account({ platform: 'baijiayun', tenantId: ids.tenantId });
}

describe('reconcileAccounts', () => {
  it('finds nothing when the ledger and the platforms agree, and reads each master account', async () => {
    // Prepare
    await baijiayunTenant('agree');
    const ids = h.ids('agree-c');
    await runCreate(validRequest(cloopenCreateInput(ids)), undefined, h.deps, clockOf(h.deps));

    // Act
    await scan(0);
    const report = await scan(60);

    // Assess
    expect(report.confirmed).toEqual([]);
    expect(report.candidates).toEqual([]);
    expect(report.scans.map((s) => [s.platform, s.listed, s.known])).toEqual([
      ['cloopen', 1, 1],
      ['baijiayun', 1, 1],
    ]);
    expect(report.scans.find((s) => s.platform === 'cloopen')?.master).toMatchObject({
      balance: expect.any(String),
    });
  });

  it('reports an orphan, a missing account and a state mismatch only when the second scan sees them too', async () => {
    // Prepare: an account made in the vendor console, a ledger account its platform lost, and one disabled
    // in the console while the ledger says active.
    const orphan = h.simulators.baijiayun.state.add({
      mobile: '13711112222',
      email: 'console@example.com',
      password: 'Console-pw-1',
      effect_time: '2026-01-01 00:00:00',
      expire_time: '2027-12-31 23:59:59',
    });
    const lost = await baijiayunTenant('lost');
    h.simulators.baijiayun.state.accounts.delete(Number(lost.subAccountId));
    const disabled = await baijiayunTenant('disabled');
    await h.deps.platforms.get('baijiayun')?.suspend(disabled.subAccountId);

    // Act
    const first = await scan(0);
    const second = await scan(60);

    // Assess
    expect(first.confirmed).toEqual([]);
    expect(first.candidates.map((d) => d.kind).sort()).toEqual(['missing', 'orphan', 'state-mismatch']);
    const confirmed = new Map(second.confirmed.map((d) => [d.kind, d]));
    expect(confirmed.get('orphan')).toMatchObject({
      subAccountId: String(orphan.partner_id),
      naturalKey: '13711112222',
      scans: 2,
    });
    expect(confirmed.get('missing')).toMatchObject({
      subAccountId: lost.subAccountId,
      tenantId: lost.tenantId,
      ledgerState: 'active',
    });
    expect(confirmed.get('state-mismatch')).toMatchObject({
      tenantId: disabled.tenantId,
      ledgerState: 'active',
      platformState: 'suspended',
    });
    expect(await h.ledger.listDrift()).toHaveLength(3);
  });

  it('takes an account the platform stopped at its expiry for the sweep to catch up on, not for drift', async () => {
    // Prepare: the ledger's expiry has passed (as of the scan), the platform stopped the account.
    const expired = await baijiayunTenant('expired', '2026-03-02T02:00:00Z');
    await h.deps.platforms.get('baijiayun')?.suspend(expired.subAccountId);

    // Act
    await scan(0);
    const second = await scan(60);

    // Assess
    expect(second.confirmed).toEqual([]);
  });

  it('forgets a drift that one scan saw and the next did not, so only consecutive scans count', async () => {
    // Prepare
    const disabled = await baijiayunTenant('flap');
    const platform = h.deps.platforms.get('baijiayun');
    await platform?.suspend(disabled.subAccountId);
    await scan(0);
    await platform?.resume(disabled.subAccountId);

    // Act
    const second = await scan(60);
    await platform?.suspend(disabled.subAccountId);
    const third = await scan(120);

    // Assess
    expect(second.confirmed).toEqual([]);
    expect(third.confirmed).toEqual([]);
    expect(third.candidates).toHaveLength(1);
  });

  it('never changes a platform, and with repair adopts an orphan that a failed create of the same key explains', async () => {
    // Prepare: the ledger's create failed for good, yet the sub-account exists on the platform.
    const ids = h.ids('repair');
    const mobile = h.mobile();
    await h.ledger.createAccount({
      platform: 'baijiayun',
      tenantId: ids.tenantId,
      state: 'failed',
      version: 1,
      naturalKey: mobile,
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
    const made = h.simulators.baijiayun.state.add({
      mobile,
      email: 'repair@example.com',
      password: 'Repair-pw-1',
      effect_time: '2026-01-01 00:00:00',
      expire_time: '2027-12-31 23:59:59',
    });
    const unexplained = h.simulators.cloopen.seed('stray@example.com');
    const calls = () =>
      h.simulators.baijiayun.calls.filter(
        (c) => c.operation !== 'getSubAccountList' && c.operation !== 'getAccountInfo',
      );

    // Act
    await scan(0, true);
    const second = await scan(60, true);

    // Assess
    expect(second.adopted).toEqual([`baijiayun/${ids.tenantId} ← ${made.partner_id}`]);
    const account = await h.account({ platform: 'baijiayun', tenantId: ids.tenantId });
    expect(account).toMatchObject({ state: 'active', subAccountId: String(made.partner_id) });
    expect((await h.credentials(account)).password?.reveal()).toBe('Repair-pw-1');
    expect(second.confirmed.map((d) => [d.kind, d.subAccountId])).toEqual([
      ['orphan', unexplained.subAccountSid],
    ]);
    expect(calls()).toEqual([]);
  });
});
