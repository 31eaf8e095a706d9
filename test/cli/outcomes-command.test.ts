import { join } from 'node:path';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.ts';
import type { LocalStack } from '../../local/stack.ts';
import { parseOutcomeEvent } from '../../shared/outcomes.ts';
import { type CliStack, capture, startCliStack } from '../support/cli.ts';
import { eventually } from '../support/fauxqs.ts';

let dir: string;
let stack: LocalStack;
let env: Record<string, string>;

let running: CliStack | undefined;

beforeAll(async () => {
  running = await startCliStack('cli-outcomes-');
  ({ dir, stack, env } = running);
});

afterAll(async () => {
  await running?.stop();
});

async function cli(args: string[]) {
  const output = capture();
  const code = await runCli(args, env, output);
  return { code, output };
}

const requests = [
  {
    schemaVersion: 1,
    requestId: 'out-1',
    action: 'create',
    platform: 'cloopen',
    tenantId: 'o1',
    profile: { friendlyName: 'o1@example.com' },
  },
  { schemaVersion: 1, requestId: 'out-2', action: 'suspend', platform: 'baijiayun', tenantId: 'o2' },
];

describe('provisioner outcomes', () => {
  it('--json prints each outcome event as one JSON line, and leaves the events in the queue', async () => {
    // Prepare
    const file = join(dir, 'requests.jsonl');
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(file, requests.map((r) => JSON.stringify(r)).join('\n')),
    );
    expect((await cli(['send', file])).code).toBe(0);
    await stack.idle();

    // Act
    const lines = await eventually(
      async () => {
        const { code, output } = await cli(['outcomes', '--json']);
        expect(code).toBe(0);
        return output.stdout.length >= 2 ? output.stdout : undefined;
      },
      { what: 'two outcome events' },
    );

    // Assess: JSON Lines, each a valid event; read again, the same events are still there.
    const events = lines.map((line) => {
      expect(line).not.toContain('\n');
      const parsed = parseOutcomeEvent(line);
      if (!parsed.ok) throw new Error(parsed.issues.join('; '));
      return parsed.event;
    });
    expect(events.map((e) => [e.requestId, e.outcome]).sort()).toEqual([
      ['out-1', 'succeeded'],
      ['out-2', 'rejected'],
    ]);
    const again = await cli(['outcomes', '--json']);
    expect(again.output.stdout.sort()).toEqual([...lines].sort());
    const outcomesQueueUrl = stack.info.outcomesQueueUrl ?? '';
    const depth = await stack.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: outcomesQueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    expect(depth.Attributes?.ApproximateNumberOfMessages).toBe('2');
  });

  it('filters by --since, prints text without --json, and refuses a --since that is not a time', async () => {
    const future = await cli(['outcomes', '--json', '--since', '2999-01-01T00:00:00Z']);
    expect(future.output.stdout).toEqual([]);

    const text = await cli(['outcomes']);
    expect(text.output.stdout.at(-1)).toBe('2 outcome event(s)');
    expect(text.output.stdout.join('\n')).toMatch(
      /succeeded\s+out-1\s+create cloopen\/o1\s+created → active v1/,
    );

    expect((await cli(['outcomes', '--since', 'yesterday'])).code).not.toBe(0);
  });

  it('--follow streams events until interrupted', async () => {
    const controller = new AbortController();
    const output = { ...capture(), interrupted: controller.signal };
    const running = runCli(['outcomes', '--follow', '--json'], env, output);
    await eventually(async () => (output.stdout.length >= 2 ? true : undefined), { what: 'followed events' });
    controller.abort();
    expect(await running).toBe(0);
    expect(output.stdout).toHaveLength(2);
  });
});
