import type { Command } from 'commander';
import type { Environment } from '../shared/config.ts';
import type { SweepReport } from '../shared/domain/sweep-expired-accounts.ts';
import type { DriftRecord } from '../shared/ports/ledger.ts';
import { CliUsageError } from './errors.ts';
import { drawProgress, type Output, printJson, printTable } from './output.ts';
import type { Target } from './target.ts';

function instant(value: string): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(date.getTime())) {
    throw new CliUsageError(`--now must be an ISO 8601 instant like 2027-01-31T00:00:00Z, not "${value}"`);
  }
  return date;
}

/** The report as `--json` prints it: each action with its account, what, when and why. */
function sweepDocument(report: SweepReport) {
  return {
    ...report,
    actions: report.actions.map((a) => ({
      platform: a.platform,
      tenant: a.tenantId,
      tenantId: a.tenantId,
      action: a.action,
      expiresAt: a.expiresAt,
      why: a.reason,
      requestId: a.requestId,
    })),
  };
}

function sweepSummary(report: SweepReport): string {
  const due = `${report.actions.length} account(s) due as of ${report.now}`;
  if (report.guardTripped) {
    return `${due}: over the guard's threshold of ${report.threshold}, so none was acted on (--allow-mass overrides it for one run)`;
  }
  if (report.dryRun) return `${due}; dry run: nothing sent`;
  const deferred = report.deferred > 0 ? `; ${report.deferred} left for the next run` : '';
  const failed = report.failed > 0 ? `; ${report.failed} not queued (the next run sends them again)` : '';
  return `${due}; ${report.sent} request(s) queued${failed}${deferred}`;
}

function day(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new CliUsageError(`--since must be a date like 2027-01-31, not "${value}"`);
  }
  return new Date(value.length === 10 ? `${value}T00:00:00Z` : value).toISOString().slice(0, 10);
}

function positiveCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CliUsageError(`--max must be a positive integer, not "${value}"`);
  return n;
}

const DRIFT_COLUMNS = [
  'platform',
  'kind',
  'subAccountId',
  'tenant',
  'naturalKey',
  'ledger',
  'platformState',
  'since',
];

function driftRow(d: DriftRecord): Record<string, unknown> {
  return {
    platform: d.platform,
    kind: d.kind,
    subAccountId: d.subAccountId,
    tenant: d.tenantId ?? '-',
    naturalKey: d.naturalKey ?? '',
    ledger: d.ledgerState ?? '-',
    platformState: d.platformState ?? '-',
    since: d.firstSeenAt,
  };
}

/** `provisioner sweep` and `redrive`: operations run by hand against the local or a deployed stack. */
export function registerOperationsCommands(
  program: Command,
  target: () => Promise<Target>,
  env: Environment,
  platformSettings: () => Promise<Environment>,
  output: Output,
): void {
  program
    .command('sweep')
    .description('Suspend, then close, accounts whose time has expired (see the README: expiry policy)')
    .option('--dry-run', 'decide and list, change nothing anywhere')
    .option('--now <iso>', 'evaluate the policy as of this instant (a preview, or a test)', instant)
    .option('--allow-mass', 'act even when more accounts are due than the guard allows (this run only)')
    .option('--json', 'print one JSON document')
    .action(async (options: { dryRun?: boolean; now?: Date; allowMass?: boolean; json?: boolean }) => {
      // The SDK, the ledger and the sweep load only for the commands that use them.
      const [{ sweepExpiredAccounts }, { SqsRequestQueue }, { sweepDependencies }, t] = await Promise.all([
        import('../shared/domain/sweep-expired-accounts.ts'),
        import('../shared/producer/index.ts'),
        import('../shared/runtime/sweep.ts'),
        target(),
      ]);
      const deps = sweepDependencies(
        t.ledger,
        new SqsRequestQueue({ sqs: t.sqs, queueUrl: t.queueUrl }),
        env,
      );
      const report = await sweepExpiredAccounts(
        {
          now: options.now ?? new Date(),
          dryRun: options.dryRun,
          allowMass: options.allowMass,
          onProgress: (done, total) => drawProgress(output, done, total),
        },
        deps,
      );
      if (options.json) return printJson(output, sweepDocument(report));
      printTable(
        output,
        report.actions.map((a) => ({
          platform: a.platform,
          tenant: a.tenantId,
          action: a.action,
          expiresAt: a.expiresAt,
          why: a.reason,
        })),
        ['platform', 'tenant', 'action', 'expiresAt', 'why'],
      );
      output.err(sweepSummary(report));
    });

  program
    .command('redrive')
    .description('Move dead-lettered requests back to the provisioning queue, each group in order')
    .option('--max <n>', 'move at most n messages', positiveCount)
    .option('--json', 'print one JSON document')
    .action(async (options: { max?: number; json?: boolean }) => {
      const [{ redriveDeadLetters }, t] = await Promise.all([
        import('../shared/producer/index.ts'),
        target(),
      ]);
      const report = await redriveDeadLetters({
        sqs: t.sqs,
        deadLetterQueueUrl: t.deadLetterQueueUrl,
        queueUrl: t.queueUrl,
        max: options.max,
        onProgress: (done, total) => drawProgress(output, done, total),
      });
      if (options.json) return printJson(output, report);
      output.out(
        report.mode === 'move-task'
          ? `SQS is moving ${report.moved} message(s) back to the queue (task ${report.taskHandle ?? '?'})`
          : `Moved ${report.moved} message(s) back to the queue; ${report.remaining} left in the dead-letter queue`,
      );
    });

  program
    .command('rejections')
    .description('List rejected messages, attributed to an account or not: reason, issues, message id, time')
    .option('--since <date>', 'from this UTC day (YYYY-MM-DD, or an ISO instant); default 7 days ago', day)
    .option('--json', 'print one JSON document')
    .action(async (options: { since?: string; json?: boolean }) => {
      const t = await target();
      const today = new Date().toISOString().slice(0, 10);
      const since = options.since ?? new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);
      const rows = [];
      for await (const r of t.ledger.listRejections(since, today)) {
        rows.push({
          receivedAt: r.receivedAt,
          messageId: r.messageId,
          requestId: r.requestId,
          platform: r.platform,
          tenantId: r.tenantId,
          attributed: r.platform !== undefined && r.tenantId !== undefined,
          reason: r.error?.reason,
          issues: r.issues ?? [],
        });
      }
      if (options.json) return printJson(output, rows);
      printTable(
        output,
        rows.map((r) => ({
          ...r,
          account: r.attributed ? `${r.platform}/${r.tenantId}` : '-',
          issues: r.issues.join('; '),
        })),
        ['receivedAt', 'messageId', 'requestId', 'account', 'reason', 'issues'],
      );
      output.err(`${rows.length} rejected message(s) since ${since}`);
    });

  program
    .command('reconcile')
    .description('Compare every platform with the ledger; report drift seen in two consecutive scans')
    .option('--repair', 'adopt orphans that a pending or failed create of the same natural key explains')
    .option('--json', 'print one JSON document')
    .action(async (options: { repair?: boolean; json?: boolean }) => {
      const [{ reconcileAccounts }, { buildPlatforms }, t, settings] = await Promise.all([
        import('../shared/domain/reconcile-accounts.ts'),
        import('../shared/runtime/platforms.ts'),
        target(),
        platformSettings(),
      ]);
      const report = await reconcileAccounts(
        { now: new Date(), repair: options.repair },
        {
          ledger: t.ledger,
          platforms: [...buildPlatforms(settings).values()],
          cipher: options.repair ? await t.cipher() : undefined,
        },
      );
      if (options.json) return printJson(output, report);
      printTable(output, report.confirmed.map(driftRow), DRIFT_COLUMNS);
      for (const scan of report.scans) {
        const facts = [scan.master?.status, scan.master?.balance && `balance ${scan.master.balance}`].filter(
          Boolean,
        );
        const master = facts.length > 0 ? `; master ${facts.join(', ')}` : '';
        output.err(
          scan.error
            ? `${scan.platform}: not scanned: ${scan.error}`
            : `${scan.platform}: ${scan.listed} listed, ${scan.known} in the ledger${master}`,
        );
      }
      for (const adopted of report.adopted) output.err(`adopted ${adopted}`);
      output.err(
        `${report.confirmed.length} drift(s) confirmed; ${report.candidates.length} seen once (reported if the next scan sees them too)`,
      );
    });

  program
    .command('drift')
    .description('List the drift the last reconciliations confirmed')
    .option('--json', 'print one JSON document')
    .action(async (options: { json?: boolean }) => {
      const t = await target();
      const confirmed = (await t.ledger.listDrift()).filter((d) => d.scans >= 2);
      if (options.json) return printJson(output, confirmed);
      printTable(output, confirmed.map(driftRow), DRIFT_COLUMNS);
      output.err(`${confirmed.length} drift(s)`);
    });
}
