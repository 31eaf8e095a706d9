import type { ListOptions, SubAccount } from '../ports/platform.ts';
import type { CheckOption, CheckReport, PlatformCheck } from '../ports/platform-module.ts';
import { CheckInputError, CheckNotFoundError } from './errors.ts';

/**
 * Building blocks of the read-only CLI checks each platform folder lists (`provisioner platform <name> …`).
 * They talk to the platform only through the port, so every platform's checks read and print alike.
 */

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

/** `--limit <n>`: a positive integer. */
export const limitOption: CheckOption = {
  flags: '--limit <n>',
  description: 'stop after n sub-accounts',
  parse: (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new CheckInputError(`expected a positive integer, got "${value}"`);
    return n;
  },
};

const STATUSES = ['all', 'active', 'stopped'] as const;

/** `--status <status>`, for platforms that filter their list by state. */
export const statusOption: CheckOption = {
  flags: '--status <status>',
  description: STATUSES.join(' | '),
  defaultValue: 'all',
};

function listStatus(value: unknown): ListOptions['status'] {
  if (value === undefined) return undefined;
  const status = STATUSES.find((s) => s === value);
  if (!status) throw new CheckInputError(`--status must be all, active or stopped, not "${String(value)}"`);
  return status;
}

/** `list`: every sub-account, page after page, as the platform lists them. */
export function listCheck(spec: {
  readonly description: string;
  readonly columns: readonly string[];
  readonly filtersByStatus?: boolean | undefined;
}): PlatformCheck {
  return {
    name: 'list',
    description: spec.description,
    options: spec.filtersByStatus ? [statusOption, limitOption] : [limitOption],
    async run(platform, { options }) {
      const status = spec.filtersByStatus ? listStatus(options.status) : undefined;
      const limit = typeof options.limit === 'number' ? options.limit : undefined;
      const accounts = await collect(platform.list(status ? { status } : undefined), limit);
      return {
        json: accounts,
        rows: accounts.map(summary),
        columns: spec.columns,
        footer: `${accounts.length} sub-account(s)`,
      };
    },
  };
}

/** `account-info`: the master account, to check the credentials and the balance. */
export function accountInfoCheck(description: string): PlatformCheck {
  return {
    name: 'account-info',
    description,
    async run(platform): Promise<CheckReport> {
      const info = await platform.masterAccountInfo();
      return {
        json: info,
        rows: [{ name: info.name, status: info.status, balance: info.balance, ...info.details }],
        columns: ['name', 'status', 'balance', ...Object.keys(info.details)],
      };
    },
  };
}

/** `get <id>`: one sub-account by the platform's id; credentials show by name only. */
export function getCheck(spec: {
  readonly description: string;
  readonly argument: { readonly name: string; readonly description: string };
  readonly idPattern: RegExp;
  readonly idRule: string;
}): PlatformCheck {
  return {
    name: 'get',
    description: spec.description,
    argument: spec.argument,
    async run(platform, { argument }) {
      const id = argument ?? '';
      if (!spec.idPattern.test(id))
        throw new CheckInputError(`${spec.argument.name} must be ${spec.idRule}, not "${id}"`);
      const account = await platform.get(id);
      if (!account) throw new CheckNotFoundError(`${platform.name} has no sub-account ${id}`);
      const fields = {
        ...summary(account),
        ...account.details,
        credentials: Object.keys(account.credentials).join(', '),
      };
      return {
        json: account,
        rows: Object.entries(fields).map(([field, value]) => ({ field, value })),
        columns: ['field', 'value'],
      };
    },
  };
}
