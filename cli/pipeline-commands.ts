import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type ProvisioningRequestInput, provisioningRequestSchema } from '../shared/contract.ts';
import { platformNames } from '../shared/platforms/registry.ts';
import { ACCOUNT_STATES, type AccountRecord, type AccountState } from '../shared/ports/ledger.ts';
import type { PlatformName } from '../shared/ports/platform.ts';
import { AccountNotFoundError, CliInputError, CliUsageError, RequestsNotSentError } from './errors.ts';
import { drawProgress, type Output, printJson, printTable } from './output.ts';
import type { Target } from './target.ts';

/** A line of the input that is not a valid request. */
export interface BadLine {
  readonly line: number;
  readonly problems: readonly string[];
}

/** Reads JSON Lines: every non-blank line one request. Returns the requests or every bad line. */
export function parseRequestLines(
  text: string,
): { ok: true; requests: ProvisioningRequestInput[] } | { ok: false; bad: BadLine[] } {
  const requests: ProvisioningRequestInput[] = [];
  const bad: BadLine[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      bad.push({ line, problems: ['not valid JSON'] });
      return;
    }
    const result = provisioningRequestSchema.safeParse(json);
    if (!result.success) {
      bad.push({
        line,
        problems: result.error.issues.map(
          (i) => `${i.path.length ? i.path.join('.') : 'request'}: ${i.message}`,
        ),
      });
      return;
    }
    const first = seen.get(result.data.requestId);
    if (first !== undefined) {
      bad.push({ line, problems: [`requestId ${result.data.requestId} repeats line ${first}`] });
      return;
    }
    seen.set(result.data.requestId, line);
    requests.push(json as ProvisioningRequestInput);
  });
  return bad.length > 0 ? { ok: false, bad } : { ok: true, requests };
}

function readInput(source: string): string {
  return source === '-' ? readFileSync(0, 'utf8') : readFileSync(source, 'utf8');
}

const CHUNK = 100;

function accountRow(a: AccountRecord): Record<string, unknown> {
  return {
    platform: a.platform,
    tenant: a.tenantId,
    state: a.state,
    subAccountId: a.subAccountId ?? '',
    naturalKey: a.naturalKey ?? '',
    expiresAt: a.expiresAt ?? '',
    updatedAt: a.updatedAt,
  };
}

/** The record as operators see it: sealed credentials are named, never shown. */
function visibleAccount(a: AccountRecord): Record<string, unknown> {
  const { credentials, ...rest } = a;
  return { ...rest, credentials: credentials ? `[sealed: ${credentials.scheme}]` : undefined };
}

function platformOption(value: string): PlatformName {
  if (!platformNames.includes(value)) {
    throw new CliUsageError(`--platform must be one of ${platformNames.join(', ')}, not "${value}"`);
  }
  return value;
}

function stateOption(value: string): AccountState {
  if (!(ACCOUNT_STATES as readonly string[]).includes(value)) {
    throw new CliUsageError(`--state must be one of ${ACCOUNT_STATES.join(', ')}, not "${value}"`);
  }
  return value as AccountState;
}

/** `provisioner send | status | list`: drive the pipeline and read its ledger. */
export function registerPipelineCommands(
  program: Command,
  target: () => Promise<Target>,
  output: Output,
): void {
  program
    .command('send')
    .description(
      'Validate a JSON Lines file of provisioning requests, then queue them all (none if any is bad)',
    )
    .argument('<file>', 'a .jsonl file, or - for standard input')
    .option('--json', 'print the summary as one JSON document')
    .action(async (file: string, options: { json?: boolean }) => {
      const parsed = parseRequestLines(readInput(file));
      if (!parsed.ok) {
        for (const b of parsed.bad) output.err(`line ${b.line}: ${b.problems.join('; ')}`);
        throw new CliInputError(`${parsed.bad.length} bad line(s); nothing was sent`);
      }
      const t = await target();
      const { messageGroupId, PRECEDING_REQUEST_FAILED, sendProvisioningRequests } = await import(
        '../shared/producer/index.ts'
      );
      const sent: { requestId: string; messageId: string }[] = [];
      const failed: { requestId: string; code: string; message: string }[] = [];
      // The producer keeps a tenant's order within one call; across chunks, a tenant with a request that
      // was not sent gets none of its later ones sent either, so nothing overtakes it.
      const brokenGroups = new Set<string>();
      for (let i = 0; i < parsed.requests.length; i += CHUNK) {
        const chunk: ProvisioningRequestInput[] = [];
        for (const request of parsed.requests.slice(i, i + CHUNK)) {
          if (!brokenGroups.has(messageGroupId(request))) chunk.push(request);
          else {
            failed.push({
              requestId: request.requestId,
              code: PRECEDING_REQUEST_FAILED,
              message: 'an earlier request of this tenant was not sent',
            });
          }
        }
        const result = await sendProvisioningRequests(chunk, { sqs: t.sqs, queueUrl: t.queueUrl });
        sent.push(...result.sent);
        failed.push(...result.failed);
        for (const f of result.failed) {
          const request = chunk[f.index];
          if (request) brokenGroups.add(messageGroupId(request));
        }
        drawProgress(output, Math.min(i + CHUNK, parsed.requests.length), parsed.requests.length);
      }
      if (options.json) printJson(output, { target: t.description, sent: sent.length, failed });
      else {
        output.out(`Sent ${sent.length} of ${parsed.requests.length} request(s) to ${t.description}.`);
        for (const f of failed) output.err(`not sent: ${f.requestId}: ${f.code} ${f.message}`);
      }
      if (failed.length > 0) throw new RequestsNotSentError(`${failed.length} request(s) were not sent`);
    });

  program
    .command('status')
    .description('Show one account: its ledger record and the history of every request')
    .requiredOption('--platform <platform>', platformNames.join(' | '), platformOption)
    .requiredOption('--tenant <tenantId>', "the caller's tenant id")
    .option('--json', 'print one JSON document')
    .action(async (options: { platform: PlatformName; tenant: string; json?: boolean }) => {
      const t = await target();
      const key = { platform: options.platform, tenantId: options.tenant };
      const [account, history] = await Promise.all([t.ledger.getAccount(key), t.ledger.getHistory(key)]);
      if (options.json) {
        return printJson(output, { account: account ? visibleAccount(account) : null, history });
      }
      if (!account && history.length === 0)
        throw new AccountNotFoundError(`No record of ${options.platform}/${options.tenant}`);
      if (account) {
        const shown = visibleAccount(account);
        printTable(
          output,
          Object.entries(shown)
            .filter(([, v]) => v !== undefined)
            .map(([field, value]) => ({
              field,
              value: typeof value === 'object' ? JSON.stringify(value) : value,
            })),
          ['field', 'value'],
        );
      } else {
        output.out('No account record (only rejected messages).');
      }
      output.out('');
      output.out('History:');
      for (const h of history) {
        output.out(
          `- ${h.receivedAt} ${h.requestId ?? h.messageId} ${h.action ?? '?'}: ${h.status}${h.result ? ` (${h.result})` : ''}`,
        );
        if (h.error)
          output.out(
            `    error: ${h.error.reason}${h.error.code ? ` ${h.error.code}` : ''}: ${h.error.message}`,
          );
        for (const e of h.events) {
          output.out(`    ${e.at} ${e.kind}${e.detail ? `: ${e.detail}` : ''}`);
          // A failed attempt's cause (say an HTTP 503) shows here, not only in --json.
          if (e.error && e.kind !== 'failed' && e.kind !== 'rejected') {
            output.out(
              `      cause: ${e.error.reason}${e.error.code ? ` ${e.error.code}` : ''}: ${e.error.message}`,
            );
          }
        }
      }
    });

  program
    .command('list')
    .description('List accounts in the ledger')
    .option('--platform <platform>', platformNames.join(' | '), platformOption)
    .option('--state <state>', ACCOUNT_STATES.join(' | '), stateOption)
    .option('--json', 'print one JSON document')
    .action(async (options: { platform?: PlatformName; state?: AccountState; json?: boolean }) => {
      const t = await target();
      const accounts: AccountRecord[] = [];
      for await (const a of t.ledger.listAccounts({ platform: options.platform, state: options.state }))
        accounts.push(a);
      if (options.json) return printJson(output, accounts.map(visibleAccount));
      printTable(output, accounts.map(accountRow), [
        'platform',
        'tenant',
        'state',
        'subAccountId',
        'naturalKey',
        'expiresAt',
        'updatedAt',
      ]);
      output.err(`${accounts.length} account(s)`);
    });
}
