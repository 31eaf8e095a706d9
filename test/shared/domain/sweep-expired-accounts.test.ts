import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureProvisioningQueues } from '../../../local/queues.ts';
import {
  type SweepDependencies,
  type SweepSettings,
  sweepExpiredAccounts,
  sweepRequestId,
} from '../../../shared/domain/sweep-expired-accounts.ts';
import { createDynamoDbLedger, createLedgerTable } from '../../../shared/ledger/index.ts';
import { platformModules, platformNames } from '../../../shared/platforms/registry.ts';
import type { AccountRecord, Ledger } from '../../../shared/ports/ledger.ts';
import { SqsRequestQueue } from '../../../shared/producer/index.ts';
import { type DynaliteHandle, startDynalite } from '../../support/dynalite.ts';
import { drainQueue, startTestFauxqs, type TestFauxqs } from '../../support/fauxqs.ts';

let db: DynaliteHandle;
let mq: TestFauxqs;

beforeAll(async () => {
  db = await startDynalite();
  mq = await startTestFauxqs();
});

afterAll(async () => {
  await mq?.stop();
  await db?.stop();
});

const NOW = new Date('2027-06-01T00:00:00.000Z');
const DAY = 86_400_000;
const daysBefore = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();

const SETTINGS: SweepSettings = {
  policies: new Map(),
  defaultPolicy: { graceDays: 30 },
  guardMinimum: 20,
  guardPercent: 5,
  maxActionsPerRun: 500,
};

let fixtures = 0;

/** A ledger and a provisioning queue of their own, and the sweep's dependencies on them. */
async function fixture(settings: Partial<SweepSettings> = {}) {
  fixtures += 1;
  const tableName = `sweep-${randomUUID()}`;
  await createLedgerTable(db.client, tableName);
  const ledger = createDynamoDbLedger({ client: db.client, tableName, platforms: platformNames });
  const queues = await ensureProvisioningQueues(mq.sqs, {
    queueName: `sweep-${fixtures}.fifo`,
    dlqName: `sweep-${fixtures}-dlq.fifo`,
  });
  const deps: SweepDependencies = {
    ledger,
    queue: new SqsRequestQueue({ sqs: mq.sqs, queueUrl: queues.queueUrl }),
    platforms: platformModules.map((p) => ({ name: p.name, capabilities: p.capabilities })),
    settings: { ...SETTINGS, ...settings },
  };
  const queued = async () =>
    (await drainQueue(mq.sqs, queues.queueUrl)).map(
      (m) => JSON.parse(m.Body ?? '{}') as Record<string, string>,
    );
  return { ledger, deps, queued };
}

async function account(
  ledger: Ledger,
  platform: string,
  tenantId: string,
  expiresAt: string | undefined,
  state: AccountRecord['state'] = 'active',
  suspendedAt?: string,
): Promise<void> {
  await ledger.createAccount({
    platform,
    tenantId,
    state,
    version: 1,
    subAccountId: `sub-${tenantId}`,
    expiresAt,
    // Suspended at its expiry, as the sweep does it (an operator's earlier suspension is its own case).
    suspendedAt: state === 'suspended' ? (suspendedAt ?? expiresAt) : undefined,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  });
}

describe('sweepExpiredAccounts', () => {
  it('suspends a Baijiayun account at its expiry and closes one whose grace has ended', async () => {
    // Prepare
    const { ledger, deps, queued } = await fixture();
    await account(ledger, 'baijiayun', 'expired', daysBefore(1));
    await account(ledger, 'baijiayun', 'long-suspended', daysBefore(31), 'suspended');
    await account(ledger, 'baijiayun', 'long-active', daysBefore(40));
    await account(ledger, 'baijiayun', 'in-grace', daysBefore(10), 'suspended');
    await account(ledger, 'baijiayun', 'not-yet', new Date(NOW.getTime() + DAY).toISOString());
    await account(ledger, 'baijiayun', 'closed', daysBefore(90), 'closed');

    // Act
    const report = await sweepExpiredAccounts({ now: NOW }, deps);

    // Assess
    const actions = report.actions.map((a) => `${a.action} ${a.tenantId}`).sort();
    expect(actions).toEqual(['close long-active', 'close long-suspended', 'suspend expired']);
    expect(report.sent).toBe(3);
    const messages = await queued();
    expect(messages.map((m) => `${m.action} ${m.tenantId}`).sort()).toEqual(actions);
    expect(messages.find((m) => m.tenantId === 'expired')?.requestId).toBe(
      sweepRequestId('baijiayun', 'expired', 'suspend', daysBefore(1)),
    );
  });

  it('suspends again, to start its grace, an account an operator suspended before it expired', async () => {
    // Prepare
    const { ledger, deps } = await fixture();
    await account(ledger, 'baijiayun', 'held', daysBefore(1), 'suspended', daysBefore(5));
    await account(ledger, 'baijiayun', 'held-long', daysBefore(40), 'suspended', daysBefore(45));
    await account(
      ledger,
      'baijiayun',
      'held-not-due',
      new Date(NOW.getTime() + DAY).toISOString(),
      'suspended',
    );

    // Act
    const report = await sweepExpiredAccounts({ now: NOW, dryRun: true }, deps);

    // Assess: the platform is not called again for it (the handler's suspend is a no-change that files
    // the account as expired); past its grace it is closed like any other.
    expect(report.actions.map((a) => `${a.action} ${a.tenantId}`).sort()).toEqual([
      'close held-long',
      'suspend held',
    ]);
  });

  it('leaves a Cloopen account alone until its grace ends, since Cloopen cannot suspend, then closes it', async () => {
    // Prepare
    const { ledger, deps } = await fixture();
    await account(ledger, 'cloopen', 'in-grace', daysBefore(29));
    await account(ledger, 'cloopen', 'past-grace', daysBefore(30));

    // Act
    const report = await sweepExpiredAccounts({ now: NOW, dryRun: true }, deps);

    // Assess
    expect(report.actions.map((a) => `${a.action} ${a.tenantId}`)).toEqual(['close past-grace']);
    expect(report.actions[0]?.reason).toMatch(/grace of 30 days/);
  });

  it('never closes on a platform whose grace is "never", and still suspends there', async () => {
    // Prepare
    const { ledger, deps } = await fixture({
      policies: new Map([
        ['baijiayun', { graceDays: undefined }],
        ['cloopen', { graceDays: undefined }],
      ]),
    });
    await account(ledger, 'baijiayun', 'ancient', daysBefore(400));
    await account(ledger, 'baijiayun', 'ancient-suspended', daysBefore(400), 'suspended');
    await account(ledger, 'cloopen', 'ancient-c', daysBefore(400));

    // Act
    const report = await sweepExpiredAccounts({ now: NOW, dryRun: true }, deps);

    // Assess
    expect(report.actions.map((a) => `${a.action} ${a.tenantId}`)).toEqual(['suspend ancient']);
  });

  it('changes nothing anywhere on a dry run', async () => {
    // Prepare
    const { ledger, deps, queued } = await fixture({ guardMinimum: 0, guardPercent: 0 });
    await account(ledger, 'baijiayun', 'due', daysBefore(1));

    // Act
    const report = await sweepExpiredAccounts({ now: NOW, dryRun: true }, deps);

    // Assess
    expect(report.actions).toHaveLength(1);
    expect(report.sent).toBe(0);
    expect(await queued()).toEqual([]);
    expect(await ledger.listOperations(NOW.toISOString().slice(0, 10))).toEqual([]);
  });

  it('acts on none, and records why, when more are due than max(20, 5 % of the active accounts)', async () => {
    // Prepare: 21 due among 25 active (5 % of 25 is 1, so the threshold is 20).
    const { ledger, deps, queued } = await fixture();
    for (let i = 0; i < 21; i++) await account(ledger, 'baijiayun', `due-${i}`, daysBefore(1));
    for (let i = 0; i < 4; i++) await account(ledger, 'baijiayun', `fine-${i}`, daysBefore(-10));

    // Act
    const report = await sweepExpiredAccounts({ now: NOW }, deps);

    // Assess
    expect(report).toMatchObject({ guardTripped: true, threshold: 20, sent: 0 });
    expect(report.actions).toHaveLength(21);
    expect(await queued()).toEqual([]);
    const [event] = await ledger.listOperations(NOW.toISOString().slice(0, 10));
    expect(event).toMatchObject({ kind: 'sweep-guard-tripped', count: 21 });
  });

  it('acts on them all with allowMass, up to the per-run cap, leaving the rest for the next run', async () => {
    // Prepare
    const { ledger, deps, queued } = await fixture({ maxActionsPerRun: 22 });
    for (let i = 0; i < 25; i++) await account(ledger, 'baijiayun', `due-${i}`, daysBefore(1));

    // Act
    const report = await sweepExpiredAccounts({ now: NOW, allowMass: true }, deps);

    // Assess
    expect(report).toMatchObject({ guardTripped: false, sent: 22, deferred: 3 });
    expect(await queued()).toHaveLength(22);
  });

  it('queues one request per account however often, or however many at once, it runs', async () => {
    // Prepare
    const { ledger, deps, queued } = await fixture();
    await account(ledger, 'baijiayun', 'due-a', daysBefore(2));
    await account(ledger, 'cloopen', 'due-b', daysBefore(45));

    // Act: two overlapping runs, then a repeated one.
    const [first, second] = await Promise.all([
      sweepExpiredAccounts({ now: NOW }, deps),
      sweepExpiredAccounts({ now: NOW }, deps),
    ]);
    const third = await sweepExpiredAccounts({ now: new Date(NOW.getTime() + 3_600_000) }, deps);

    // Assess: the same request ids each time, and the queue took each once.
    const ids = (r: typeof first) => r.actions.map((a) => a.requestId).sort();
    expect(ids(second)).toEqual(ids(first));
    expect(ids(third)).toEqual(ids(first));
    expect(await queued()).toHaveLength(2);
  });
});
