import { setTimeout as sleep } from 'node:timers/promises';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { processEnvironment } from '../../shared/config.ts';
import { sweepExpiredAccounts } from '../../shared/domain/sweep-expired-accounts.ts';
import { buildSweepDependencies } from '../../shared/runtime/sweep.ts';
import { checkRun, type SentMalformed } from './checker.ts';
import { FaultPlan, type FaultPlanOptions } from './fault-plan.ts';
import { drawMalformed, loadMalformedBodies } from './malformed.ts';
import { Rng } from './prng.ts';
import { type ChaosFigures, figuresOf } from './report.ts';
import { drainDlq, ledgerSnapshot, platformSnapshot, queueDepth } from './snapshot.ts';
import { startChaosStack } from './stack.ts';
import { HandlerSupervisor } from './supervisor.ts';
import { generateWorkload, SWEEP_NOW } from './workload.ts';

/** Options of one chaos run. */
export interface ChaosOptions {
  readonly n: number;
  readonly seed: number;
  /** Share of successfully handled records delivered a second time (default 0.05). */
  readonly duplicateShare?: number | undefined;
  /** Share of malformed messages among the requests (default 0.01). */
  readonly malformedShare?: number | undefined;
  readonly faults?: FaultPlanOptions | undefined;
  /** Give up waiting for the queue to drain after this long (default 60 s + 200 ms per request). */
  readonly drainTimeoutMs?: number | undefined;
  readonly progress?: ((line: string) => void) | undefined;
}

/** Runs the workload of `(n, seed)` against the local stack under the fault plan and judges the result. */
export async function runChaos(options: ChaosOptions): Promise<ChaosFigures> {
  const started = Date.now();
  const log = options.progress ?? (() => {});
  const workload = generateWorkload(options.n, options.seed);
  const plan = new FaultPlan(options.seed, options.n, options.faults);
  const faults: Record<string, number> = {};
  const count = (kind: string, by = 1) => {
    faults[kind] = (faults[kind] ?? 0) + by;
  };
  let supervisor: HandlerSupervisor | undefined;
  const killRng = new Rng(options.seed).fork('kill-delays');
  const kill = (kind: string, delayMs: number) => {
    void sleep(delayMs)
      .then(() => {
        if (supervisor && !supervisor.restarting) {
          count(kind);
          return supervisor.kill();
        }
      })
      .catch((error: unknown) => log(`restart failed: ${String(error)}`));
  };
  const stack = await startChaosStack(plan, count, () => kill('kill:after-platform-commit', 150));
  try {
    const deliveries = new Map<string, number>();
    /** Per message: deliveries before its first acknowledgement, and deliveries after it. */
    const acks = new Map<string, { readonly before: number; after: number }>();
    let delivered = 0;
    const randomKills = [...plan.randomKills];
    supervisor = new HandlerSupervisor(
      {
        ...stack.handlerEnv,
        PATH: processEnvironment().PATH ?? '',
        CHAOS_SEED: String(options.seed),
        CHAOS_DUPLICATE_SHARE: String(options.duplicateShare ?? 0.05),
      },
      {
        onBatch(batch) {
          for (const [id] of batch) {
            deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
            const acked = acks.get(id);
            if (acked) acked.after += 1;
          }
          delivered += batch.length;
          if (randomKills[0] !== undefined && delivered >= randomKills[0]) {
            randomKills.shift();
            kill('kill:random', killRng.int(0, 300));
          }
        },
        onAcked(ids) {
          for (const id of ids)
            if (!acks.has(id)) acks.set(id, { before: (deliveries.get(id) ?? 1) - 1, after: 0 });
        },
        onDuplicates(ids) {
          delivered += ids.length;
          count('sqs:duplicate-delivery', ids.length);
        },
      },
    );
    await supervisor.start();

    // The messages: the workload's sends with ~1 % malformed bodies mixed in at seeded places.
    const { source, bodies } = loadMalformedBodies();
    const malformedCount = Math.max(1, Math.round(options.n * (options.malformedShare ?? 0.01)));
    const drawn = drawMalformed(bodies, malformedCount, options.seed);
    const rng = new Rng(options.seed).fork('send-order');
    const entries: (SendMessageBatchRequestEntry & { malformed?: string })[] = workload.sends.map((s) => ({
      Id: '',
      MessageBody: s.request.body,
      MessageGroupId: s.groupId,
      MessageDeduplicationId: s.deduplicationId,
    }));
    drawn.forEach((m, i) => {
      const at = rng.int(0, entries.length);
      entries.splice(at, 0, {
        Id: '',
        MessageBody: m.body,
        MessageGroupId: `chaos-bad:${i}`,
        MessageDeduplicationId: `bad-${i}`,
        malformed: m.name,
      });
    });
    count('producer:resend', workload.resends);
    const malformed: SentMalformed[] = [];
    for (let i = 0; i < entries.length; i += 10) {
      const chunk = entries.slice(i, i + 10);
      const answer = await stack.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: stack.queues.queueUrl,
          Entries: chunk.map(({ malformed: _m, ...e }, j) => ({ ...e, Id: `m${j}` })),
        }),
      );
      if ((answer.Failed ?? []).length > 0) throw new Error(`send failed: ${JSON.stringify(answer.Failed)}`);
      for (const ok of answer.Successful ?? []) {
        const name = chunk[Number(ok.Id?.slice(1))]?.malformed;
        if (name && ok.MessageId) malformed.push({ messageId: ok.MessageId, name });
      }
    }
    count('malformed', malformed.length);
    log(
      `sent ${entries.length} messages (${workload.requests} requests, ${workload.resends} re-sends, ${malformed.length} malformed from ${source})`,
    );

    // Drained: the queue empty three checks in a row, no restart in progress.
    const deadline = Date.now() + (options.drainTimeoutMs ?? 60_000 + options.n * 200);
    let depth = 0;
    let lastReport = Date.now();
    const running = supervisor;
    const drain = async () => {
      let empty = 0;
      while (Date.now() < deadline && empty < 3) {
        await sleep(500);
        depth = await queueDepth(stack.sqs, stack.queues.queueUrl);
        empty = depth === 0 && !running.restarting ? empty + 1 : 0;
        if (Date.now() - lastReport > 10_000) {
          lastReport = Date.now();
          log(`${depth} message(s) left, ${delivered} deliveries, ${running.kills} kills`);
        }
      }
    };
    await drain();
    // The expiry sweep, as its schedule would run it: it closes the tenants created with the sweep's
    // expiry, by ordinary requests on the same queue, under the same faults.
    const sweep = await sweepExpiredAccounts(
      { now: SWEEP_NOW, allowMass: true },
      buildSweepDependencies({ ...stack.directEnv, SWEEP_GRACE_DAYS: '30', SWEEP_MAX_ACTIONS: '100000' }),
    );
    log(`sweep: ${sweep.sent} request(s) queued`);
    await drain();
    await supervisor.stop();
    log('drained; checking');

    const platforms = platformSnapshot(stack.simulators);
    const ledger = await ledgerSnapshot(stack.directEnv, workload);
    log('ledger read');
    const check = checkRun({
      workload,
      ...ledger,
      platformAccounts: platforms.accounts,
      malformed,
      deliveries,
      acks,
      dlq: await drainDlq(stack.sqs, stack.queues.dlqUrl),
      logLines: supervisor.logLines,
      secrets: [
        ...platforms.secrets,
        stack.directEnv.CLOOPEN_AUTH_TOKEN ?? '',
        stack.directEnv.BAIJIAYUN_PARTNER_KEY ?? '',
        stack.directEnv.CREDENTIALS_LOCAL_KEY ?? '',
      ],
      undrained: depth,
    });
    return figuresOf({
      requests: workload.requests + sweep.sent,
      deliveries: delivered,
      faults,
      kills: supervisor.kills,
      seed: options.seed,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      malformedSource: source,
      check,
    });
  } finally {
    await supervisor?.stop();
    await stack.stop();
  }
}
