import { GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { collect } from '../../shared/domain/iterables.ts';
import { reconcileAccounts } from '../../shared/domain/reconcile-accounts.ts';
import type { AccountRecord, DriftRecord, HistoryEntry } from '../../shared/ports/ledger.ts';
import { reconcileRuntime } from '../../shared/runtime/reconcile.ts';
import type { LocalSimulators } from '../../simulators/local.ts';
import type { PlatformAccount } from './checker.ts';
import type { Workload } from './workload.ts';

/** Messages on a queue: visible, in flight and delayed. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const answer = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const a = answer.Attributes ?? {};
  return (
    Number(a.ApproximateNumberOfMessages ?? 0) +
    Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

/** Every body on the DLQ. */
export async function drainDlq(sqs: SQSClient, dlqUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const answer = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 300,
      }),
    );
    const messages = answer.Messages ?? [];
    if (messages.length === 0) return bodies;
    bodies.push(...messages.map((m) => m.Body ?? ''));
  }
}

/** The simulators' sub-accounts, reduced for the checks, and every secret value they hold. */
export function platformSnapshot(sims: LocalSimulators): { accounts: PlatformAccount[]; secrets: string[] } {
  const accounts: PlatformAccount[] = [];
  const secrets: string[] = [];
  for (const a of sims.cloopen.state.accounts) {
    accounts.push({
      platform: 'cloopen',
      id: a.subAccountSid,
      naturalKey: a.friendlyName,
      live: a.status === 'active',
      profile: {},
    });
    secrets.push(a.subToken, a.voipPwd);
  }
  for (const a of sims.baijiayun.state.accounts.values()) {
    accounts.push({
      platform: 'baijiayun',
      id: String(a.partner_id),
      naturalKey: a.mobile,
      live: a.enabled,
      profile: { email: a.email, company: a.company },
    });
    secrets.push(a.password, a.partner_key, a.secret_key);
  }
  return { accounts, secrets };
}

/** The ledger's accounts and histories of the workload's tenants, rejections, and two reconciliation scans. */
export async function ledgerSnapshot(
  env: Readonly<Record<string, string>>,
  workload: Workload,
): Promise<{
  accounts: Map<string, AccountRecord>;
  histories: Map<string, HistoryEntry[]>;
  rejections: HistoryEntry[];
  drifts: DriftRecord[];
}> {
  const deps = await reconcileRuntime(env)();
  const accounts = new Map<string, AccountRecord>();
  for (const platform of ['cloopen', 'baijiayun']) {
    for (const a of await collect(deps.ledger.listAccounts({ platform })))
      accounts.set(`${a.platform}/${a.tenantId}`, a);
  }
  const histories = new Map<string, HistoryEntry[]>();
  const tenants = [...workload.tenants];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let t = tenants.shift(); t; t = tenants.shift()) {
        const key = { platform: t.platform, tenantId: t.tenantId };
        histories.set(`${t.platform}/${t.tenantId}`, await deps.ledger.getHistory(key));
      }
    }),
  );
  const day = (offset: number) => new Date(Date.now() + offset).toISOString().slice(0, 10);
  const rejections = await collect(deps.ledger.listRejections(day(-86_400_000), day(0)));
  // Drifts count once two consecutive scans see them, as in the scheduled reconciliation.
  await reconcileAccounts({ now: new Date() }, deps);
  const report = await reconcileAccounts({ now: new Date() }, deps);
  return { accounts, histories, rejections, drifts: [...report.confirmed] };
}
