import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type ProvisioningRequestInput, provisioningRequestSchema } from '../shared/contract.ts';
import { platformNames } from '../shared/platforms/registry.ts';
import { ACCOUNT_STATES, type AccountRecord, type AccountState } from '../shared/ports/ledger.ts';
import type { PlatformName } from '../shared/ports/platform.ts';
import {
  AccountNotFoundError,
  CliInputError,
  CliUsageError,
  InputFileError,
  RequestsNotSentError,
} from './errors.ts';
import { drawProgress, type Output, printJson, printTable } from './output.ts';
import type { Target } from './target.ts';

/** A line of the input that is not a valid request. */
export interface BadLine {
  readonly line: number;
  readonly problems: readonly string[];
}

/** Most bad lines `send` prints; the rest are counted, so a binary or huge file does not flood the terminal. */
export const MAX_BAD_LINES_SHOWN = 20;

const BYTE_ORDER_MARK = '\uFEFF';
// Fatal, so a line that is not UTF-8 is reported rather than read with replacement characters; BOMs are
// kept, so one inside the file is named instead of silently dropped.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The lines of the input, without line ends; `undefined` for a line that is not UTF-8. */
function splitLines(input: string | Uint8Array): (string | undefined)[] {
  if (typeof input === 'string') return input.split(/\r?\n/);
  const lines: (string | undefined)[] = [];
  // Decoded line by line, so a stray byte costs one line, named by its number, not the whole file.
  for (let start = 0; start <= input.length; ) {
    const newline = input.indexOf(0x0a, start);
    const end = newline === -1 ? input.length : newline;
    try {
      lines.push(utf8.decode(input.subarray(start, end)).replace(/\r$/, ''));
    } catch {
      lines.push(undefined);
    }
    start = end + 1;
  }
  return lines;
}

/**
 * Reads JSON Lines: every non-blank line one request. Returns the requests or every bad line. A UTF-8 byte
 * order mark at the start (as some Windows editors save) is accepted; one inside the input is a bad line.
 */
export function parseRequestLines(
  input: string | Uint8Array,
): { ok: true; requests: ProvisioningRequestInput[] } | { ok: false; bad: BadLine[] } {
  const requests: ProvisioningRequestInput[] = [];
  const bad: BadLine[] = [];
  const seen = new Map<string, number>();
  splitLines(input).forEach((text, index) => {
    const line = index + 1;
    if (text === undefined) {
      bad.push({ line, problems: ['not UTF-8 text (a binary file?)'] });
      return;
    }
    const raw = index === 0 && text.startsWith(BYTE_ORDER_MARK) ? text.slice(1) : text;
    if (raw.trim() === '') return;
    if (raw.startsWith(BYTE_ORDER_MARK)) {
      bad.push({
        line,
        problems: ['starts with a byte order mark (U+FEFF), as where two files were joined: remove it'],
      });
      return;
    }
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

/** What an operator named, in messages: a path, or standard input for `-`. */
function inputName(source: string): string {
  return source === '-' ? 'standard input' : source;
}

/** The reason a file cannot be read, in words rather than `ENOENT` or `EISDIR`. */
function unreadable(source: string, error: unknown): InputFileError {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  const name = inputName(source);
  switch (code) {
    case 'ENOENT':
      return new InputFileError(`${name}: no such file`, error);
    case 'EISDIR':
      return new InputFileError(`${name} is a directory, not a JSON Lines file`, error);
    case 'EACCES':
    case 'EPERM':
      return new InputFileError(`${name}: permission denied`, error);
    default:
      return new InputFileError(
        `cannot read ${name}: ${error instanceof Error ? error.message : String(error)}`,
        error,
      );
  }
}

function readInput(source: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = source === '-' ? readFileSync(0) : readFileSync(source);
  } catch (error) {
    throw unreadable(source, error);
  }
  // A UTF-16 file would read as one bad line after another: name the encoding instead.
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new InputFileError(`${inputName(source)} is UTF-16 text: save it as UTF-8; nothing was sent`);
  }
  return bytes;
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

/** Checks `--platform` against the registry as commander parses it. */
export function platformOption(value: string): PlatformName {
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
        for (const b of parsed.bad.slice(0, MAX_BAD_LINES_SHOWN)) {
          output.err(`line ${b.line}: ${b.problems.join('; ')}`);
        }
        const more = parsed.bad.length - MAX_BAD_LINES_SHOWN;
        if (more > 0) output.err(`… and ${more} more bad line(s)`);
        throw new CliInputError(`${parsed.bad.length} bad line(s); nothing was sent`);
      }
      if (parsed.requests.length === 0) {
        throw new CliInputError(`${inputName(file)} holds no request; nothing was sent`);
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
