import type { Command } from 'commander';
import { type Environment, loadBaijiayunConfig, loadCloopenConfig } from '../shared/config.ts';
import { createBaijiayunClient } from '../shared/platforms/baijiayun/index.ts';
import { createCloopenClient } from '../shared/platforms/cloopen/index.ts';
import type { SubAccount } from '../shared/ports/platform.ts';
import { type Output, printJson, printTable } from './output.ts';

/** How the platform commands find their settings: the environment, else the local stack's simulators. */
export type PlatformEnvironment = () => Promise<Environment>;

function summary(account: SubAccount): Record<string, unknown> {
  return {
    id: account.id,
    naturalKey: account.naturalKey,
    status: account.status,
    createdAt: account.createdAt ?? '',
    expiresAt: account.expiresAt ?? '',
  };
}

async function collect(
  accounts: AsyncIterable<SubAccount>,
  limit: number | undefined,
): Promise<SubAccount[]> {
  const out: SubAccount[] = [];
  for await (const account of accounts) {
    if (limit !== undefined && out.length >= limit) break;
    out.push(account);
  }
  return out;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive integer, got "${value}"`);
  return n;
}

/** `provisioner platform …`: read-only checks an operator runs to test vendor credentials. */
export function registerPlatformCommands(
  program: Command,
  environment: PlatformEnvironment,
  output: Output,
): void {
  const platform = program.command('platform').description('Read-only checks against a vendor platform');

  const cloopen = platform.command('cloopen').description('Cloopen (云通讯)');
  cloopen
    .command('account-info')
    .description('Show the master account (AccountInfo)')
    .option('--json', 'print one JSON document')
    .action(async (options: { json?: boolean }) => {
      const client = createCloopenClient(loadCloopenConfig(await environment()));
      const info = await client.masterAccountInfo();
      if (options.json) return printJson(output, info);
      printTable(
        output,
        [{ name: info.name, status: info.status, balance: info.balance, ...info.details }],
        ['name', 'status', 'balance', ...Object.keys(info.details)],
      );
    });
  cloopen
    .command('list')
    .description('List sub-accounts (GetSubAccounts, all pages)')
    .option('--limit <n>', 'stop after n sub-accounts', positiveInt)
    .option('--json', 'print one JSON document')
    .action(async (options: { json?: boolean; limit?: number }) => {
      const client = createCloopenClient(loadCloopenConfig(await environment()));
      const accounts = await collect(client.list(), options.limit);
      if (options.json) return printJson(output, accounts);
      printTable(output, accounts.map(summary), ['id', 'naturalKey', 'createdAt']);
      output.err(`${accounts.length} sub-account(s)`);
    });

  const baijiayun = platform.command('baijiayun').description('Baijiayun (百家云)');
  baijiayun
    .command('list')
    .description('List sub-accounts (getSubAccountList, all pages)')
    .option('--status <status>', 'all | active | stopped', 'all')
    .option('--limit <n>', 'stop after n sub-accounts', positiveInt)
    .option('--json', 'print one JSON document')
    .action(async (options: { json?: boolean; status: string; limit?: number }) => {
      if (!['all', 'active', 'stopped'].includes(options.status)) {
        throw new Error(`--status must be all, active or stopped, not "${options.status}"`);
      }
      const client = createBaijiayunClient(loadBaijiayunConfig(await environment()));
      const status = options.status as 'all' | 'active' | 'stopped';
      const accounts = await collect(client.list({ status }), options.limit);
      if (options.json) return printJson(output, accounts);
      printTable(output, accounts.map(summary), ['id', 'naturalKey', 'status', 'createdAt', 'expiresAt']);
      output.err(`${accounts.length} sub-account(s)`);
    });
  baijiayun
    .command('get')
    .description('Show one sub-account (getAccountInfo); credentials are redacted')
    .argument('<subPartnerId>', 'the sub-account partner_id')
    .option('--json', 'print one JSON document')
    .action(async (subPartnerId: string, options: { json?: boolean }) => {
      if (!/^\d{1,20}$/.test(subPartnerId))
        throw new Error(`subPartnerId must be numeric, not "${subPartnerId}"`);
      const client = createBaijiayunClient(loadBaijiayunConfig(await environment()));
      const account = await client.get(subPartnerId);
      if (!account) throw new Error(`baijiayun has no sub-account ${subPartnerId}`);
      if (options.json) return printJson(output, account);
      printTable(
        output,
        Object.entries({
          ...summary(account),
          ...account.details,
          credentials: Object.keys(account.credentials).join(', '),
        }).map(([field, value]) => ({ field, value })),
        ['field', 'value'],
      );
    });
}
