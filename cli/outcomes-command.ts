import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { Command } from 'commander';
import { type OutcomeEvent, parseOutcomeEvent } from '../shared/outcomes.ts';
import { CliUsageError, TargetUnavailableError } from './errors.ts';
import type { Output } from './output.ts';
import type { Target } from './target.ts';

/**
 * `provisioner outcomes`: the outcome events waiting in the outcomes queue (local) or the example queue
 * (deployed), read without consuming them.
 *
 * Reading without destroying: that queue belongs to the signup flow, so the command deletes nothing. It
 * receives with a short visibility timeout (so each receive brings messages it has not seen yet, the way to
 * page through an SQS queue) and, when done or interrupted, makes every message it held visible again at
 * once (`ChangeMessageVisibility` 0). Each read still counts as a receive of every message it saw, which is
 * why the example queue allows 10 before its DLQ.
 *
 * @module
 */

/** How long a message read stays hidden from others before it is released (at the latest). */
export const PEEK_VISIBILITY_SECONDS = 30;

/** Options of {@link readOutcomes}. */
export interface ReadOutcomesOptions {
  /** Keep reading new events until `signal` aborts. */
  readonly follow: boolean;
  readonly signal: AbortSignal;
  /** Long-poll wait of each receive while following. Default 10. */
  readonly waitSeconds?: number | undefined;
  readonly onEvent: (event: OutcomeEvent) => void;
  /** A message that is not an outcome event (told, and left where it is). */
  readonly onUnreadable: (message: Message, issues: readonly string[]) => void;
}

/** Reads the queue's outcome events, each once, without deleting any; releases them all before returning. */
export async function readOutcomes(
  sqs: SQSClient,
  queueUrl: string,
  options: ReadOutcomesOptions,
): Promise<void> {
  // Loaded here, as the other commands load the SDK: only for the command that uses it.
  const { ReceiveMessageCommand } = await import('@aws-sdk/client-sqs');
  const held = new Map<string, string>();
  try {
    while (!options.signal.aborted) {
      let messages: Message[];
      try {
        const answer = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: PEEK_VISIBILITY_SECONDS,
            WaitTimeSeconds: options.follow ? (options.waitSeconds ?? 10) : 0,
          }),
          { abortSignal: options.signal },
        );
        messages = answer.Messages ?? [];
      } catch (error) {
        if (options.signal.aborted) break;
        throw error;
      }
      const fresh = messages.filter((m) => m.MessageId !== undefined && !held.has(m.MessageId));
      for (const m of messages) if (m.MessageId && m.ReceiptHandle) held.set(m.MessageId, m.ReceiptHandle);
      for (const m of fresh) {
        const parsed = parseOutcomeEvent(m.Body ?? '');
        if (parsed.ok) options.onEvent(parsed.event);
        else options.onUnreadable(m, parsed.issues);
      }
      // Nothing new: everything there has been seen (what comes back is what we held and released by timeout).
      if (!options.follow && fresh.length === 0) break;
    }
  } finally {
    await release(sqs, queueUrl, [...held.values()]);
  }
}

/** Makes the messages read visible again at once, for their real consumer. Best effort: they reappear anyway. */
async function release(sqs: SQSClient, queueUrl: string, handles: readonly string[]): Promise<void> {
  const { ChangeMessageVisibilityBatchCommand } = await import('@aws-sdk/client-sqs');
  for (let i = 0; i < handles.length; i += 10) {
    const batch = handles.slice(i, i + 10);
    await sqs
      .send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((handle, n) => ({ Id: String(n), ReceiptHandle: handle, VisibilityTimeout: 0 })),
        }),
      )
      .catch(() => undefined);
  }
}

/** One event as a line of text. */
export function describeOutcome(e: OutcomeEvent): string {
  const what =
    e.outcome === 'succeeded' ? (e.result ?? '') : `${e.error?.reason ?? ''}: ${e.error?.message ?? ''}`;
  const account =
    e.state === null
      ? 'no account'
      : `${e.state} v${e.version}${e.subAccountId ? ` (${e.subAccountId})` : ''}`;
  return `${e.occurredAt}  ${e.outcome.padEnd(9)}  ${e.requestId}  ${e.action ?? '?'} ${e.platform ?? '?'}/${e.tenantId ?? '?'}  ${what} → ${account}`;
}

function sinceOption(value: string): Date {
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(at.getTime())) {
    throw new CliUsageError(
      `--since "${value}" is not an ISO 8601 time, e.g. 2027-01-31 or 2027-01-31T08:00:00Z`,
    );
  }
  return at;
}

/** The interrupt that stops `--follow`: the output's, or the process's Ctrl-C. */
function interruption(output: Output): { signal: AbortSignal; done: () => void } {
  if (output.interrupted) return { signal: output.interrupted, done: () => {} };
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  return { signal: controller.signal, done: () => process.off('SIGINT', stop) };
}

/** Registers `provisioner outcomes`. */
export function registerOutcomesCommand(
  program: Command,
  target: () => Promise<Target>,
  output: Output,
): void {
  program
    .command('outcomes')
    .description(
      'Show the outcome events of concluded requests (local outcomes queue, or the stack example queue), without consuming them',
    )
    .option('--follow', 'keep streaming new events until Ctrl-C')
    .option('--since <iso>', 'only events that occurred at or after this time', sinceOption)
    .option('--json', 'one JSON document per event per line (JSON Lines), exactly the event')
    .action(async (options: { follow?: boolean; since?: Date; json?: boolean }) => {
      const t = await target();
      if (!t.outcomesQueueUrl) {
        throw new TargetUnavailableError(
          `${t.description} has no outcomes queue: restart \`npm start\`, or deploy the stack version with outcome events (output OutcomesExampleQueueUrl)`,
        );
      }
      const follow = options.follow === true;
      const since = options.since?.getTime();
      const print = (e: OutcomeEvent) => output.out(options.json ? JSON.stringify(e) : describeOutcome(e));
      const listed: OutcomeEvent[] = [];
      const { signal, done } = interruption(output);
      try {
        await readOutcomes(t.sqs, t.outcomesQueueUrl, {
          follow,
          signal,
          onEvent: (e) => {
            if (since !== undefined && Date.parse(e.occurredAt) < since) return;
            if (follow) print(e);
            else listed.push(e);
          },
          onUnreadable: (m, issues) =>
            output.err(`message ${m.MessageId} is not an outcome event: ${issues.slice(0, 3).join('; ')}`),
        });
      } finally {
        done();
      }
      if (follow) return;
      // A standard queue hands messages out in no particular order: list them by time, then version.
      listed.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || (a.version ?? 0) - (b.version ?? 0));
      for (const e of listed) print(e);
      if (!options.json) output.out(`${listed.length} outcome event(s)`);
    });
}
