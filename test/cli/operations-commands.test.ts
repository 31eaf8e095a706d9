import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.ts';
import type { LocalStack } from '../../local/stack.ts';
import { type Captured, type CliStack, capture, startCliStack } from '../support/cli.ts';
import { eventually } from '../support/fauxqs.ts';

let dir: string;
let stack: LocalStack;
let env: Record<string, string>;

let running: CliStack | undefined;

beforeAll(async () => {
  running = await startCliStack('cli-ops-');
  ({ dir, stack, env } = running);
});

afterAll(async () => {
  await running?.stop();
});

async function cli(args: string[]): Promise<{ code: number; json: unknown; output: Captured }> {
  const output = capture();
  const code = await runCli(args, env, output);
  const text = output.stdout.join('\n');
  return { code, json: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : undefined, output };
}

async function stateOf(platform: string, tenant: string): Promise<string | undefined> {
  const { json } = await cli(['status', '--platform', platform, '--tenant', tenant, '--json']);
  return (json as { account?: { state?: string } } | undefined)?.account?.state;
}

async function until(platform: string, tenant: string, state: string): Promise<void> {
  await eventually(async () => ((await stateOf(platform, tenant)) === state ? true : undefined), {
    what: `${platform}/${tenant} ${state}`,
  });
}

interface SweepJson {
  readonly guardTripped: boolean;
  readonly sent: number;
  readonly actions: readonly {
    platform: string;
    tenant: string;
    action: string;
    expiresAt: string;
    why: string;
  }[];
}

describe('provisioner sweep against a running local stack', () => {
  it('previews with --dry-run, suspends at expiry, then closes after the grace, as of --now', async () => {
    // Prepare: a Baijiayun and a Cloopen account that expire on 31 January 2027.
    const file = join(dir, 'expiring.jsonl');
    const { writeFile } = await import('node:fs/promises');
    const expiresAt = '2027-01-31T00:00:00Z';
    await writeFile(
      file,
      [
        {
          requestId: 'exp-b',
          platform: 'baijiayun',
          tenantId: 'exp_b',
          profile: { mobile: '13900000001', email: 'b@example.com' },
        },
        {
          requestId: 'exp-c',
          platform: 'cloopen',
          tenantId: 'exp_c',
          profile: { friendlyName: 'exp-c@example.com' },
        },
      ]
        .map((r) => JSON.stringify({ schemaVersion: 1, action: 'create', expiresAt, ...r }))
        .join('\n'),
    );
    expect((await cli(['send', file])).code).toBe(0);
    await until('baijiayun', 'exp_b', 'active');
    await until('cloopen', 'exp_c', 'active');

    // Act 1: a preview the day after expiry.
    const preview = await cli(['sweep', '--now', '2027-02-01T00:00:00Z', '--dry-run', '--json']);
    // Act 2: the same, for real, twice.
    const first = await cli(['sweep', '--now', '2027-02-01T00:00:00Z', '--json']);
    const again = await cli(['sweep', '--now', '2027-02-01T01:00:00Z', '--json']);
    await until('baijiayun', 'exp_b', 'suspended');
    // Act 3: after the 30-day grace.
    const later = await cli(['sweep', '--now', '2027-03-05T00:00:00Z', '--json']);
    await until('baijiayun', 'exp_b', 'closed');
    await until('cloopen', 'exp_c', 'closed');

    // Assess
    const p = preview.json as SweepJson;
    expect(preview.code).toBe(0);
    expect(p.sent).toBe(0);
    expect(p.actions).toEqual([
      {
        platform: 'baijiayun',
        tenant: 'exp_b',
        tenantId: 'exp_b',
        action: 'suspend',
        expiresAt: '2027-01-31T00:00:00.000Z',
        why: expect.stringMatching(/expired 2027-01-31/),
        requestId: expect.stringMatching(/^sweep:suspend:/),
      },
    ]);
    expect((first.json as SweepJson).sent).toBe(1);
    // The repeat may run before or after the suspend lands; either way it asks for the same request.
    expect((again.json as SweepJson).actions.every((a) => a.tenant === 'exp_b')).toBe(true);
    expect((later.json as SweepJson).actions.map((a) => `${a.action} ${a.tenant}`).sort()).toEqual([
      'close exp_b',
      'close exp_c',
    ]);
    // One suspend reached the platform, however often the sweep asked.
    const { json } = await cli(['status', '--platform', 'baijiayun', '--tenant', 'exp_b', '--json']);
    const history = (json as { history: { action: string; status: string }[] }).history;
    expect(history.filter((h) => h.action === 'suspend')).toHaveLength(1);
  });

  it('refuses an instant that is not ISO 8601', async () => {
    const { code, output } = await cli(['sweep', '--now', 'tomorrow']);
    expect(code).toBe(1);
    expect(output.stderr.join('\n')).toMatch(/--now must be an ISO 8601 instant/);
  });
});

describe('provisioner redrive against a running local stack', () => {
  it("moves dead-lettered requests back, and each tenant's requests still apply in order", async () => {
    // Prepare: a create, a suspend and a resume of one tenant waiting in the DLQ, in that order.
    const tenantId = 'redrive_b';
    const requests = [
      { requestId: 'rd-1', action: 'create', profile: { mobile: '13900000077', email: 'rd@example.com' } },
      { requestId: 'rd-2', action: 'suspend' },
      { requestId: 'rd-3', action: 'resume' },
    ];
    for (const request of requests) {
      await stack.sqs.send(
        new SendMessageCommand({
          QueueUrl: stack.info.dlqUrl,
          MessageBody: JSON.stringify({ schemaVersion: 1, platform: 'baijiayun', tenantId, ...request }),
          MessageGroupId: `baijiayun:${tenantId}`,
          MessageDeduplicationId: request.requestId,
        }),
      );
    }

    // Act
    const partial = await cli(['redrive', '--max', '1', '--json']);
    const rest = await cli(['redrive', '--json']);
    const history = await eventually(async () => {
      const { json } = await cli(['status', '--platform', 'baijiayun', '--tenant', tenantId, '--json']);
      const h = (
        json as { history?: { requestId: string; status: string; finishedAt?: string }[] } | undefined
      )?.history;
      return h && h.length === 3 && h.every((e) => e.status === 'succeeded') ? h : undefined;
    });

    // Assess
    expect(partial.json).toMatchObject({ mode: 'copy', moved: 1, remaining: 2 });
    expect(rest.json).toMatchObject({ mode: 'copy', moved: 2, remaining: 0 });
    const finished = [...history].sort((a, b) => String(a.finishedAt).localeCompare(String(b.finishedAt)));
    expect(finished.map((h) => h.requestId)).toEqual(['rd-1', 'rd-2', 'rd-3']);
    expect(await stateOf('baijiayun', tenantId)).toBe('active');
  });
});

describe('provisioner rejections against a running local stack', () => {
  it('lists malformed messages, whether or not they name an account, with their reasons and issues', async () => {
    // Prepare: one that names an account but has a bad profile, one that names nothing.
    const send = (body: string, id: string) =>
      stack.sqs.send(
        new SendMessageCommand({
          QueueUrl: stack.info.queueUrl,
          MessageBody: body,
          MessageGroupId: `raw-${id}`,
          MessageDeduplicationId: id,
        }),
      );
    await send(
      JSON.stringify({
        schemaVersion: 1,
        requestId: 'bad-1',
        action: 'create',
        platform: 'cloopen',
        tenantId: 'rej_t',
        profile: {},
      }),
      'rej-1',
    );
    await send('{"not json', 'rej-2');

    // Act
    const listed = await eventually(async () => {
      const { json } = await cli(['rejections', '--json']);
      const rows = json as { requestId?: string; attributed: boolean; reason: string; issues: string[] }[];
      return rows.length >= 2 ? rows : undefined;
    });

    // Assess
    expect(listed.find((r) => r.requestId === 'bad-1')).toMatchObject({
      attributed: true,
      reason: 'invalid-request',
      issues: [expect.stringMatching(/profile\.friendlyName/)],
    });
    expect(listed.find((r) => !r.attributed)).toMatchObject({
      reason: 'invalid-request',
      issues: ['body: not valid JSON'],
    });
  });
});

describe('provisioner status text', () => {
  it('shows the cause of each failed attempt, not only in --json', async () => {
    // Prepare: the Cloopen simulator answers 503 to the next create.
    const origin = new URL(stack.info.simulators.CLOOPEN_BASE_URL ?? '').origin;
    await fetch(`${origin}/__sim/faults`, {
      method: 'POST',
      body: JSON.stringify({
        fault: { kind: 'http-error', status: 503 },
        operation: 'SubAccounts',
        times: 1,
      }),
    });
    const file = join(dir, 'one.jsonl');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      file,
      JSON.stringify({
        schemaVersion: 1,
        requestId: 'cause-1',
        action: 'create',
        platform: 'cloopen',
        tenantId: 'cause_t',
        profile: { friendlyName: 'cause@example.com' },
      }),
    );
    await cli(['send', file]);

    // Act
    const text = await eventually(async () => {
      const { output } = await cli(['status', '--platform', 'cloopen', '--tenant', 'cause_t']);
      const lines = output.stdout.join('\n');
      return lines.includes('attempt-failed') ? lines : undefined;
    });

    // Assess
    expect(text).toMatch(/attempt-failed: delivery 1 of 5 failed; will retry\n\s+cause: server HTTP 503/);
  });
});

describe('provisioner reconcile and drift against a running local stack', () => {
  it('reports an orphan on the second scan, lists it as drift, and --repair adopts one a failed create explains', async () => {
    // Prepare 1: a Baijiayun create the platform refuses for good, so the ledger holds a failed create.
    const origin = stack.info.simulators.BAIJIAYUN_BASE_URL ?? '';
    await fetch(`${origin}/__sim/faults`, {
      method: 'POST',
      body: JSON.stringify({
        fault: { kind: 'vendor-error', code: '1001' },
        operation: 'addSubAccount',
        times: 1,
      }),
    });
    const file = join(dir, 'failing.jsonl');
    const { writeFile } = await import('node:fs/promises');
    const mobile = '13900000088';
    await writeFile(
      file,
      JSON.stringify({
        schemaVersion: 1,
        requestId: 'rc-1',
        action: 'create',
        platform: 'baijiayun',
        tenantId: 'rc_t',
        expiresAt: '2030-01-01T00:00:00Z',
        profile: { mobile, email: 'rc@example.com' },
      }),
    );
    await cli(['send', file]);
    await until('baijiayun', 'rc_t', 'failed');
    // Prepare 2: the sub-account is made anyway (in the console, say), and another no create explains.
    const { buildPlatforms } = await import('../../shared/runtime/platforms.ts');
    const baijiayun = buildPlatforms(stack.info.simulators).get('baijiayun');
    const made = (profile: Record<string, unknown>) =>
      baijiayun
        ?.planCreate(profile, {
          now: new Date(),
          expiresAt: new Date('2030-01-01T00:00:00Z'),
          generatePassword: () => {
            throw new Error('the profile brings a password');
          },
        })
        .create();
    await made({ mobile, email: 'rc@example.com', password: 'Console-pw-1' });
    await made({ mobile: '13900000099', email: 'stray@example.com', password: 'Console-pw-2' });

    // Act
    const first = await cli(['reconcile', '--json']);
    const listedAfterFirst = await cli(['drift', '--json']);
    const second = await cli(['reconcile', '--json']);
    const listed = await cli(['drift', '--json']);
    const repaired = await cli(['reconcile', '--repair', '--json']);

    // Assess
    const orphans = (doc: unknown, key: 'confirmed' | 'candidates') =>
      (doc as Record<typeof key, { kind: string; naturalKey: string }[]>)[key]
        .filter((d) => d.kind === 'orphan')
        .map((d) => d.naturalKey)
        .sort();
    expect(orphans(first.json, 'candidates')).toEqual([mobile, '13900000099']);
    expect(orphans(first.json, 'confirmed')).toEqual([]);
    expect(listedAfterFirst.json).toEqual([]);
    expect(orphans(second.json, 'confirmed')).toEqual([mobile, '13900000099']);
    expect((listed.json as { naturalKey: string }[]).map((d) => d.naturalKey).sort()).toEqual([
      mobile,
      '13900000099',
    ]);
    expect((repaired.json as { adopted: string[] }).adopted).toEqual([
      expect.stringMatching(/^baijiayun\/rc_t ← \d+$/),
    ]);
    expect(orphans(repaired.json, 'confirmed')).toEqual(['13900000099']);
    expect(await stateOf('baijiayun', 'rc_t')).toBe('active');
  });
});
