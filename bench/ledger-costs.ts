import { processMessage } from '../shared/domain/process-message.ts';
import { ledgerTableDefinition } from '../shared/ledger/table.ts';
import type { AccountKey } from '../shared/ports/ledger.ts';
import {
  baijiayunCreateInput,
  cloopenCreateInput,
  delivery,
  lifecycleInput,
  startUseCaseHarness,
  updateInput,
} from '../test/support/use-cases.ts';
import { recordDynamoDbCalls } from './dynamodb-recorder.ts';
import { type TableShape, tableShape } from './index-units.ts';
import { meanCost, type RequestCost, requestCost } from './request-cost.ts';

/**
 * Ledger cost per request kind: each scenario runs the real use case (`processMessage`, with the
 * dependencies of `test/support/use-cases.ts`) against dynalite and the simulators, on a DynamoDB client
 * recorded by `./dynamodb-recorder.ts`; only the measured request's calls are costed (its set-up, e.g. the
 * create before a suspend, is not). Every scenario runs `reps` times on fresh tenants; figures are means.
 *
 * @module
 */

/** The request kinds measured. */
export const LEDGER_KINDS = ['create', 'suspend', 'resume', 'close', 'update', 'duplicate'] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** One kind's cost, with the platform it ran on. */
export type KindCost = RequestCost & { readonly platform: string; readonly platform_calls?: number };

/** What {@link measureLedgerCosts} reports. */
export interface LedgerCosts {
  readonly kinds: Record<LedgerKind, KindCost>;
  /** Both creates; `kinds.create` is the costlier by write units. */
  readonly create_by_platform: Record<'cloopen' | 'baijiayun', RequestCost>;
}

type Step = () => Promise<{ kind: string }>;

/** Runs `measured` after `setup`, returning the calls of `measured` alone. */
async function costOf(
  shape: TableShape,
  take: () => Parameters<typeof requestCost>[0],
  setup: Step[],
  measured: Step,
  expected: string,
): Promise<RequestCost> {
  for (const step of setup) await step();
  take();
  const outcome = await measured();
  const calls = take();
  if (outcome.kind !== expected) {
    throw new Error(`bench scenario expected ${expected}, got ${JSON.stringify(outcome)}`);
  }
  return requestCost(calls, shape);
}

/** Measures every kind `reps` times. */
export async function measureLedgerCosts(options: { readonly reps: number }): Promise<LedgerCosts> {
  const h = await startUseCaseHarness();
  const imageClient = h.db.createClient();
  const shape = tableShape(ledgerTableDefinition('bench'));
  const recorder = recordDynamoDbCalls(h.db.client, { imageClient, keys: shape.keys });
  const run = (body: Parameters<typeof delivery>[0], messageId?: string, receiveCount = 1): Step => {
    return () => processMessage(delivery(body, { messageId, receiveCount }), h.deps);
  };
  const cost = (setup: Step[], measured: Step, expected = 'applied') =>
    costOf(shape, () => recorder.take(), setup, measured, expected);

  const samples: Record<LedgerKind | 'cloopen' | 'baijiayun', RequestCost[]> = {
    create: [],
    suspend: [],
    resume: [],
    close: [],
    update: [],
    duplicate: [],
    cloopen: [],
    baijiayun: [],
  };
  try {
    for (let rep = 0; rep < options.reps; rep++) {
      samples.cloopen.push(await cost([], run(cloopenCreateInput(h.ids('cc')))));
      const baijiayun = () => {
        const ids = h.ids('bj');
        const key: AccountKey = { platform: 'baijiayun', tenantId: ids.tenantId };
        return { ids, key, create: run(baijiayunCreateInput(ids, h.mobile())) };
      };
      const b = baijiayun();
      samples.baijiayun.push(await cost([], b.create));

      const s = baijiayun();
      samples.suspend.push(
        await cost([s.create], run(lifecycleInput(s.key, `${s.ids.requestId}-s`, 'suspend'))),
      );

      const r = baijiayun();
      const suspend = run(lifecycleInput(r.key, `${r.ids.requestId}-s`, 'suspend'));
      samples.resume.push(
        await cost([r.create, suspend], run(lifecycleInput(r.key, `${r.ids.requestId}-r`, 'resume'))),
      );

      const c = baijiayun();
      samples.close.push(await cost([c.create], run(lifecycleInput(c.key, `${c.ids.requestId}-c`, 'close'))));

      const u = baijiayun();
      const change = { profile: { company: `Bench ${u.ids.tenantId}` } };
      samples.update.push(await cost([u.create], run(updateInput(u.key, `${u.ids.requestId}-u`, change))));

      // The same message delivered again after its create concluded: SQS keeps the id, counts up.
      const d = h.ids('dup');
      const body = baijiayunCreateInput(d, h.mobile());
      const messageId = `dup-${d.tenantId}`;
      samples.duplicate.push(await cost([run(body, messageId)], run(body, messageId, 2), 'duplicate'));
    }
  } finally {
    imageClient.destroy();
    await h.stop();
  }
  const cloopen = meanCost(samples.cloopen);
  const baijiayun = meanCost(samples.baijiayun);
  const create =
    cloopen.write_units > baijiayun.write_units
      ? { ...cloopen, platform: 'cloopen' }
      : { ...baijiayun, platform: 'baijiayun' };
  const on = (kind: LedgerKind) => ({ ...meanCost(samples[kind]), platform: 'baijiayun' });
  return {
    kinds: {
      create,
      suspend: on('suspend'),
      resume: on('resume'),
      close: on('close'),
      update: on('update'),
      duplicate: on('duplicate'),
    },
    create_by_platform: { cloopen, baijiayun },
  };
}
