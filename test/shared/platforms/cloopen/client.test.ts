import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../../shared/domain/errors.ts';
import { CloopenError } from '../../../../shared/platforms/cloopen/errors.ts';
import { BackoffPacer } from '../../../../shared/platforms/pacer.ts';
import { PlatformError } from '../../../../shared/ports/errors.ts';
import { Secret } from '../../../../shared/secret.ts';
import type { CloopenSimulatorHandle } from '../../../../simulators/cloopen/server.ts';
import { APP, clientFor, collect, failure, NOW, startSimulator, TOKEN } from './harness.ts';

function platformError(error: unknown): PlatformError {
  if (error instanceof PlatformError) return error;
  throw new Error(`expected a PlatformError, got ${String(error)}`);
}

describe.each(['json', 'xml'] as const)('Cloopen client against the simulator (%s)', (format) => {
  let sim: CloopenSimulatorHandle;

  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.reset();
  });

  const ops = () => sim.state.requests.map((r) => r.operation);

  describe('creating', () => {
    it('creates a sub-account and hands back its credentials as secrets', async () => {
      // Prepare
      const client = clientFor(sim, format);

      // Act
      const result = await client.create({ friendlyName: 'alice@example.com' });

      // Assess
      const stored = sim.state.accounts[0];
      expect(result.outcome).toBe('created');
      if (result.outcome !== 'created' || stored === undefined) return;
      expect(result.account).toEqual({
        platform: 'cloopen',
        id: stored.subAccountSid,
        naturalKey: 'alice@example.com',
        status: 'active',
        createdAt: '2024-05-01T20:00:00+08:00',
        details: { voipAccount: stored.voipAccount, dateCreated: '2024-05-01 20:00:00' },
      });
      expect(result.credentials.subToken?.reveal()).toBe(stored.subToken);
      expect(result.credentials.voipPwd?.reveal()).toBe(stored.voipPwd);
      expect(stored).toMatchObject({ appId: APP, friendlyName: 'alice@example.com' });
    });

    it('answers already-exists for a taken name so the caller can adopt it', async () => {
      // Prepare
      const client = clientFor(sim, format);
      await client.create({ friendlyName: 'bob@example.com' });

      // Act
      const second = await client.create({ friendlyName: 'bob@example.com' });
      const found = await client.findByNaturalKey('bob@example.com');

      // Assess
      expect(second).toEqual({ outcome: 'already-exists', naturalKey: 'bob@example.com' });
      expect(found?.id).toBe(sim.state.accounts[0]?.subAccountSid);
      expect(sim.state.accounts).toHaveLength(1);
    });

    it('keeps a name with markup characters and edge spaces exactly through create, query and list', async () => {
      // Prepare
      const client = clientFor(sim, format);
      const name = ` a&b<c>"' 用户1 `;

      // Act
      const created = await client.create({ friendlyName: name });
      const found = await client.findByNaturalKey(name);
      const listed = await collect(client.list());

      // Assess
      expect(created.outcome).toBe('created');
      expect(sim.state.accounts[0]?.friendlyName).toBe(name);
      expect(found?.naturalKey).toBe(name);
      expect(listed.map((a) => a.naturalKey)).toEqual([name]);
    });

    it.each([
      ['a newline', 'alice\n@example.com'],
      ['a NUL', 'alice\u0000'],
      ['a tab', '\talice'],
      ['DEL', 'alice\u007f'],
    ])('refuses a name with %s before calling the platform', async (_what, friendlyName) => {
      // Prepare
      const client = clientFor(sim, format);

      // Act
      const error = platformError(await failure(() => client.create({ friendlyName })));

      // Assess
      expect(error).toMatchObject({ category: 'invalid-request', operation: 'SubAccounts' });
      expect(error.message).toContain('control characters');
      expect(ops()).toEqual([]);
    });

    it('refuses an empty name before calling the platform', async () => {
      // Prepare
      const client = clientFor(sim, format);

      // Act
      const error = platformError(await failure(() => client.create({ friendlyName: '' })));

      // Assess
      expect(error.category).toBe('invalid-request');
      expect(ops()).toEqual([]);
    });

    it('answers account-state, not not-found, for an app the main account does not have', async () => {
      // Prepare
      const client = clientFor(sim, format);

      // Act
      const error = platformError(
        await failure(() => client.create({ friendlyName: 'x', appId: '00000000000000000000000000000000' })),
      );

      // Assess
      expect(error).toMatchObject({ category: 'account-state', code: '111181' });
    });
  });

  describe('reading', () => {
    it('finds nothing for an unknown name', async () => {
      // Prepare
      const client = clientFor(sim, format);

      // Act
      const found = await client.findByNaturalKey('nobody@example.com');

      // Assess
      expect(found).toBeUndefined();
      expect(ops()).toEqual(['QuerySubAccountByName']);
    });

    it('finds a sub-account by name with its credentials', async () => {
      // Prepare
      const client = clientFor(sim, format);
      const seeded = sim.seed('carol@example.com');

      // Act
      const found = await client.findWithCredentials('carol@example.com');

      // Assess
      expect(found).toMatchObject({
        id: seeded.subAccountSid,
        naturalKey: 'carol@example.com',
        status: 'unknown',
      });
      expect(found?.credentials.subToken?.reveal()).toBe(seeded.subToken);
    });

    it('gets a sub-account by sid, with credentials, by paging the list', async () => {
      // Prepare
      const client = clientFor(sim, format);
      sim.seed('one');
      const target = sim.seed('two');

      // Act
      const found = await client.get(target.subAccountSid);
      const missing = await client.get('0123456789abcdef0123456789abcdef');

      // Assess
      expect(found).toMatchObject({
        platform: 'cloopen',
        id: target.subAccountSid,
        naturalKey: 'two',
        status: 'unknown',
        details: { voipAccount: target.voipAccount },
      });
      expect(found?.credentials.subToken?.reveal()).toBe(target.subToken);
      expect(found?.credentials.voipPwd?.reveal()).toBe(target.voipPwd);
      expect(missing).toBeUndefined();
    });

    it('lists every sub-account with status unknown', async () => {
      // Prepare
      const client = clientFor(sim, format);
      for (const name of ['n1', 'n2', 'n3']) sim.seed(name);

      // Act
      const listed = await collect(client.list());

      // Assess
      expect(listed.map((a) => [a.naturalKey, a.status])).toEqual([
        ['n1', 'unknown'],
        ['n2', 'unknown'],
        ['n3', 'unknown'],
      ]);
    });

    it('reads the master account, raw and in words', async () => {
      // Prepare
      const client = clientFor(sim, format);

      // Act
      const raw = await client.accountInfo();
      const info = await client.masterAccountInfo();

      // Assess
      expect(raw).toMatchObject({ friendlyName: 'simulator@example.com', status: '1', balance: '100.0' });
      expect(info).toMatchObject({
        platform: 'cloopen',
        name: 'simulator@example.com',
        status: 'active',
        balance: '100.0',
        details: { subBalance: '0.0', type: '1', typeName: 'registered' },
      });
      expect(sim.state.requests.map((r) => r.method)).toEqual(['GET', 'GET']);
    });
  });

  describe('closing and the operations Cloopen does not have', () => {
    it('closes a sub-account once; closing it again answers closed, never unknown', async () => {
      // Prepare
      const client = clientFor(sim, format);
      const account = sim.seed('dave');

      // Act
      const closed = await client.close(account.subAccountSid);
      const again = platformError(await failure(() => client.close(account.subAccountSid)));

      // Assess
      expect(closed).toEqual({ outcome: 'applied' });
      expect(sim.state.accounts[0]?.status).toBe('closed');
      expect(again).toMatchObject({ category: 'closed', code: '111156', operation: 'CloseSubAccount' });
      expect(classifyFailure(again)).toBe('permanent');
    });

    it('answers not-found for closing a sid the platform never had', async () => {
      // Prepare
      const client = clientFor(sim, format);

      // Act
      const error = platformError(await failure(() => client.close('0'.repeat(32))));

      // Assess
      expect(error).toMatchObject({ category: 'not-found', operation: 'CloseSubAccount' });
    });

    it('answers closed, not "none", for the name of a closed sub-account, without scanning the list', async () => {
      // Prepare
      const client = clientFor(sim, format);
      const account = sim.seed('erin@example.com');
      await client.close(account.subAccountSid);
      sim.state.requests.length = 0;

      // Act
      const byKey = platformError(await failure(() => client.findByNaturalKey('erin@example.com')));
      const existing = platformError(
        await failure(() => client.findExisting({ friendlyName: 'erin@example.com' })),
      );

      // Assess
      for (const error of [byKey, existing]) {
        expect(error).toMatchObject({
          category: 'closed',
          code: '111156',
          operation: 'QuerySubAccountByName',
        });
        expect(classifyFailure(error)).toBe('permanent');
      }
      expect(existing.message).toMatch(/closed/);
      expect(ops()).toEqual(['QuerySubAccountByName', 'QuerySubAccountByName']);
    });

    it('answers a create for the name of a closed sub-account already-exists, and its adoption closed', async () => {
      // Prepare
      const client = clientFor(sim, format);
      const account = sim.seed('fay@example.com');
      await client.close(account.subAccountSid);

      // Act
      const created = await client.create({ friendlyName: 'fay@example.com' });
      const adoption = platformError(
        await failure(() => client.findExisting({ friendlyName: 'fay@example.com' })),
      );

      // Assess
      expect(created).toEqual({ outcome: 'already-exists', naturalKey: 'fay@example.com' });
      expect(adoption).toMatchObject({ category: 'closed' });
      expect(classifyFailure(adoption)).toBe('permanent');
      expect(sim.state.accounts).toHaveLength(1);
    });

    it('answers unsupported for suspend, resume and update without calling the platform', async () => {
      // Prepare
      const client = clientFor(sim, format);

      // Act
      const answers = [await client.suspend('x'), await client.resume('x'), await client.update('x', {})];

      // Assess
      expect(answers.map((a) => a.outcome)).toEqual(['unsupported', 'unsupported', 'unsupported']);
      expect(answers.map((a) => (a.outcome === 'unsupported' ? a.operation : ''))).toEqual([
        'suspend',
        'resume',
        'update',
      ]);
      expect([...client.supports]).toEqual(['close']);
      expect(ops()).toEqual([]);
    });
  });

  describe('failures', () => {
    it.each([
      ['111111', 'rate-limited', 'retryable'],
      ['111000', 'server', 'retryable'],
      ['111099', 'server', 'retryable'],
      ['111106', 'authentication', 'permanent'],
      ['111109', 'authentication', 'permanent'],
      ['111113', 'authentication', 'permanent'],
      ['111138', 'account-state', 'permanent'],
      ['111139', 'account-state', 'permanent'],
      ['111140', 'account-state', 'permanent'],
      ['111141', 'account-state', 'permanent'],
      ['111142', 'account-state', 'permanent'],
      ['111150', 'conflict', 'permanent'],
      ['111176', 'account-state', 'permanent'],
      ['111177', 'account-state', 'permanent'],
      ['111178', 'account-state', 'permanent'],
      ['111179', 'account-state', 'permanent'],
      ['111180', 'account-state', 'permanent'],
      ['111181', 'account-state', 'permanent'],
      ['111182', 'account-state', 'permanent'],
      ['123456', 'unknown', 'permanent'],
    ])('maps an injected statusCode %s to %s (%s)', async (code, category, failureClass) => {
      // Prepare
      const client = clientFor(sim, format, {}, { readRetries: 0 });
      sim.inject({
        operation: 'AccountInfo',
        fault: { kind: 'vendor-error', code, message: `说明 ${code}` },
      });

      // Act
      const error = platformError(await failure(() => client.masterAccountInfo()));

      // Assess
      expect(error).toBeInstanceOf(CloopenError);
      expect(error).toMatchObject({
        category,
        code,
        vendorMessage: `说明 ${code}`,
        operation: 'AccountInfo',
      });
      expect(classifyFailure(error)).toBe(failureClass);
    });

    it('reads an injected 111150 on create as already-exists', async () => {
      // Prepare
      const client = clientFor(sim, format);
      sim.inject({ operation: 'SubAccounts', fault: { kind: 'vendor-error', code: '111150' } });

      // Act
      const result = await client.create({ friendlyName: 'eve' });

      // Assess
      expect(result).toEqual({ outcome: 'already-exists', naturalKey: 'eve' });
    });

    it('retries a create the platform refused for load, since the refusal committed nothing', async () => {
      // Prepare
      const client = clientFor(sim, format);
      sim.inject({ operation: 'SubAccounts', fault: { kind: 'rate-limit' } });

      // Act
      const result = await client.create({ friendlyName: 'frank' });

      // Assess
      expect(result.outcome).toBe('created');
      expect(ops()).toEqual(['SubAccounts', 'SubAccounts']);
    });

    it('waits one paced interval before the retry after 111111, and paces no call after a success', async () => {
      // Prepare
      const sleeps: number[] = [];
      let at = 0;
      const pacer = new BackoffPacer(500, {
        now: () => at,
        sleep: async (ms) => {
          sleeps.push(ms);
          at += ms;
        },
      });
      const client = clientFor(sim, format, {}, { pacer });
      sim.inject({ operation: 'AccountInfo', fault: { kind: 'rate-limit' } });

      // Act
      await client.masterAccountInfo();
      const pacedAfterSuccess = pacer.engaged;
      await client.masterAccountInfo();

      // Assess
      expect(sleeps).toEqual([500]);
      expect(pacedAfterSuccess).toBe(false);
      expect(ops()).toEqual(['AccountInfo', 'AccountInfo', 'AccountInfo']);
    });

    it('answers rate-limited once the retries after 111111 are spent, with the outcome known', async () => {
      // Prepare
      const client = clientFor(sim, format, {}, { readRetries: 1 });
      sim.inject({ operation: 'SubAccounts', fault: { kind: 'rate-limit' }, times: 2 });

      // Act
      const error = platformError(await failure(() => client.create({ friendlyName: 'frank' })));

      // Assess
      expect(error).toMatchObject({ category: 'rate-limited', code: '111111', outcomeUnknown: false });
      expect(classifyFailure(error)).toBe('retryable');
      expect(ops()).toEqual(['SubAccounts', 'SubAccounts']);
    });

    it('answers server for a 5xx on a read once retries are spent', async () => {
      // Prepare
      const client = clientFor(sim, format, {}, { readRetries: 1 });
      sim.inject({ operation: 'AccountInfo', fault: { kind: 'http-error', status: 503 }, times: 2 });

      // Act
      const error = platformError(await failure(() => client.masterAccountInfo()));

      // Assess
      expect(error).toMatchObject({ category: 'server', code: 'HTTP 503', outcomeUnknown: false });
      expect(ops()).toEqual(['AccountInfo', 'AccountInfo']);
    });

    it('answers server with outcome unknown for a 5xx on create, sent once', async () => {
      // Prepare
      const client = clientFor(sim, format);
      sim.inject({ operation: 'SubAccounts', fault: { kind: 'http-error', status: 502 } });

      // Act
      const error = platformError(await failure(() => client.create({ friendlyName: 'gina' })));

      // Assess
      expect(error).toMatchObject({ category: 'server', outcomeUnknown: true });
      expect(ops()).toEqual(['SubAccounts']);
    });

    it('retries a create and a read after a bare HTTP 429, which commits nothing', async () => {
      // Prepare
      const client = clientFor(sim, format);
      sim.inject({ operation: 'SubAccounts', fault: { kind: 'http-error', status: 429 } });
      sim.inject({ operation: 'AccountInfo', fault: { kind: 'http-error', status: 429 } });

      // Act
      const created = await client.create({ friendlyName: 'nina' });
      const info = await client.masterAccountInfo();

      // Assess
      expect(created.outcome).toBe('created');
      expect(info.status).toBe('active');
      expect(ops()).toEqual(['SubAccounts', 'SubAccounts', 'AccountInfo', 'AccountInfo']);
    });

    it('answers rate-limited for a bare HTTP 429 once the retries are spent', async () => {
      // Prepare
      const client = clientFor(sim, format, {}, { readRetries: 0 });
      sim.inject({ operation: 'SubAccounts', fault: { kind: 'http-error', status: 429 } });

      // Act
      const error = platformError(await failure(() => client.create({ friendlyName: 'nina' })));

      // Assess
      expect(error).toMatchObject({ category: 'rate-limited', code: 'HTTP 429', outcomeUnknown: false });
      expect(ops()).toEqual(['SubAccounts']);
    });

    it('retries a read after one 5xx and succeeds', async () => {
      // Prepare
      const client = clientFor(sim, format);
      sim.seed('henry');
      sim.inject({ operation: 'GetSubAccounts', fault: { kind: 'http-error', status: 500 } });
      sim.inject({ operation: 'QuerySubAccountByName', fault: { kind: 'http-error', status: 500 } });

      // Act
      const listed = await collect(client.list());
      const found = await client.findByNaturalKey('henry');

      // Assess
      expect(listed.map((a) => a.naturalKey)).toEqual(['henry']);
      expect(found?.naturalKey).toBe('henry');
      expect(ops()).toEqual([
        'GetSubAccounts',
        'GetSubAccounts',
        'QuerySubAccountByName',
        'QuerySubAccountByName',
      ]);
    });

    it('times out on a hung create, outcome unknown', async () => {
      // Prepare
      const client = clientFor(sim, format, { timeoutMs: 200 });
      sim.inject({ operation: 'SubAccounts', fault: { kind: 'hang' } });

      // Act
      const error = platformError(await failure(() => client.create({ friendlyName: 'ivan' })));

      // Assess
      expect(error).toMatchObject({ category: 'timeout', outcomeUnknown: true, operation: 'SubAccounts' });
      expect(classifyFailure(error)).toBe('retryable');
    });

    it('times out on a hung read', async () => {
      // Prepare
      const client = clientFor(sim, format, { timeoutMs: 200 }, { readRetries: 0 });
      sim.inject({ operation: 'AccountInfo', fault: { kind: 'hang' } });

      // Act
      const error = platformError(await failure(() => client.masterAccountInfo()));

      // Assess
      expect(error).toMatchObject({ category: 'timeout', outcomeUnknown: false });
    });

    it('reports a dropped create as outcome unknown, and the committed account is then found by name', async () => {
      // Prepare
      const client = clientFor(sim, format);
      sim.inject({ operation: 'SubAccounts', fault: { kind: 'drop-after-commit' } });

      // Act
      const error = platformError(await failure(() => client.create({ friendlyName: 'judy@example.com' })));
      const found = await client.findWithCredentials('judy@example.com');

      // Assess
      expect(error.outcomeUnknown).toBe(true);
      expect(classifyFailure(error)).toBe('retryable');
      expect(found?.id).toBe(sim.state.accounts[0]?.subAccountSid);
      expect(found?.credentials.subToken?.reveal()).toBe(sim.state.accounts[0]?.subToken);
    });

    it('answers authentication for a wrong auth token', async () => {
      // Prepare
      const client = clientFor(sim, format, { authToken: new Secret('WrongWrongWrongWrongWrongWrong00') });

      // Act
      const error = platformError(await failure(() => client.create({ friendlyName: 'kim' })));

      // Assess
      expect(error).toMatchObject({ category: 'authentication', code: '111109' });
      expect(sim.state.accounts).toHaveLength(0);
    });

    it('answers account-state for a main account the platform does not know', async () => {
      // Prepare
      const client = clientFor(
        sim,
        format,
        { accountSid: 'ffffffffffffffffffffffffffffffff' },
        { readRetries: 0 },
      );

      // Act
      const error = platformError(await failure(() => client.masterAccountInfo()));

      // Assess
      expect(error).toMatchObject({ category: 'account-state', code: '111141' });
    });

    it('answers 111106 authentication when the client clock is more than a day off', async () => {
      // Prepare
      const stale = new Date(NOW.getTime() - 25 * 60 * 60 * 1000);
      const client = clientFor(sim, format, {}, { now: () => stale });

      // Act
      const error = platformError(await failure(() => client.findByNaturalKey('x')));

      // Assess
      expect(error).toMatchObject({ category: 'authentication', code: '111106' });
      expect(classifyFailure(error)).toBe('permanent');
    });

    it('accepts a client clock 23 hours off', async () => {
      // Prepare
      const skewed = new Date(NOW.getTime() + 23 * 60 * 60 * 1000);
      const client = clientFor(sim, format, {}, { now: () => skewed });

      // Act
      const info = await client.masterAccountInfo();

      // Assess
      expect(info.status).toBe('active');
    });

    it('answers protocol for a 200 the client cannot read, and invalid-request for a bare 404', async () => {
      // Prepare
      const garbage = clientFor(
        sim,
        format,
        {},
        {
          readRetries: 0,
          fetch: async () =>
            new Response('<html>oops</html>', { status: 200, headers: { 'content-type': 'text/html' } }),
        },
      );
      const wrongPath = clientFor(sim, format, { baseUrl: `${sim.url}/2099-01-01` }, { readRetries: 0 });

      // Act
      const unreadable = platformError(await failure(() => garbage.masterAccountInfo()));
      const missing = platformError(await failure(() => wrongPath.masterAccountInfo()));

      // Assess
      expect(unreadable.category).toBe('protocol');
      expect(missing).toMatchObject({ category: 'invalid-request', code: 'HTTP 404' });
    });

    it('reads a statusCode carried by a 4xx answer', async () => {
      // Prepare
      const body =
        format === 'json'
          ? '{"statusCode":"111109","statusMsg":"sig"}'
          : '<Response><statusCode>111109</statusCode><statusMsg>sig</statusMsg></Response>';
      const client = clientFor(
        sim,
        format,
        {},
        { readRetries: 0, fetch: async () => new Response(body, { status: 400 }) },
      );

      // Act
      const error = platformError(await failure(() => client.masterAccountInfo()));

      // Assess
      expect(error).toMatchObject({ category: 'authentication', code: '111109', vendorMessage: 'sig' });
    });
  });

  describe('secrets', () => {
    it('never shows the auth token, sig or sub-account secrets in results or errors', async () => {
      // Prepare
      const client = clientFor(sim, format, { timeoutMs: 200 }, { readRetries: 0 });
      const created = await client.create({ friendlyName: 'leo' });
      const stored = sim.state.accounts[0];
      const fetched = await client.get(stored?.subAccountSid ?? '');
      sim.inject({ operation: 'SubAccounts', fault: { kind: 'hang' } });
      const timeout = await failure(() => client.create({ friendlyName: 'mia' }));
      sim.inject({ operation: 'AccountInfo', fault: { kind: 'vendor-error', code: '111109' } });
      const vendor = await failure(() => client.masterAccountInfo());
      const wrongToken = clientFor(sim, format, {
        authToken: new Secret('ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ'),
      });
      const auth = await failure(() => wrongToken.findByNaturalKey('leo'));
      const requestsSent = sim.state.requests.length;

      // Act
      const rendered = [created, fetched, timeout, vendor, auth]
        .map((value) => `${JSON.stringify(value)}\n${inspect(value, { depth: 10 })}\n${String(value)}`)
        .join('\n');

      // Assess
      expect(requestsSent).toBeGreaterThan(0);
      expect(stored).toBeDefined();
      expect(rendered).not.toContain(TOKEN);
      expect(rendered).not.toContain('ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ');
      expect(rendered).not.toContain(stored?.subToken);
      expect(rendered).not.toContain(stored?.voipPwd);
      expect(rendered).not.toMatch(/sig=|[0-9A-F]{32}/);
      expect(rendered).toContain('[REDACTED]');
    });
  });
});

describe.each(['json', 'xml'] as const)(
  'Cloopen client when the not-found code is not one it knows (%s)',
  (format) => {
    const OTHER_APP = '0123456789abcdef0123456789abcdef';
    let sim: CloopenSimulatorHandle;

    beforeAll(async () => {
      sim = await startSimulator({
        appIds: [APP, OTHER_APP],
        notFoundAnswer: { code: '111199', message: '【账号】查询失败' },
      });
    });
    afterAll(async () => {
      await sim.close();
    });
    beforeEach(() => {
      sim.reset();
    });

    const ops = () => sim.state.requests.map((r) => r.operation);

    it('scans the list before answering that no sub-account has the name', async () => {
      // Prepare
      const client = clientFor(sim, format);
      sim.seed('someone-else');

      // Act
      const found = await client.findByNaturalKey('nobody@example.com');
      const withCredentials = await client.findWithCredentials('nobody@example.com');

      // Assess
      expect(found).toBeUndefined();
      expect(withCredentials).toBeUndefined();
      expect(ops()).toEqual([
        'QuerySubAccountByName',
        'GetSubAccounts',
        'QuerySubAccountByName',
        'GetSubAccounts',
      ]);
    });

    it('finds the account, credentials included, in the list when the query is refused with an unknown code', async () => {
      // Prepare
      const client = clientFor(sim, format);
      sim.seed('first');
      const target = sim.seed('olga@example.com');
      sim.inject({
        operation: 'QuerySubAccountByName',
        fault: { kind: 'vendor-error', code: '111199', message: '【账号】查询失败' },
        times: 3,
      });

      // Act
      const found = await client.findByNaturalKey('olga@example.com');
      const withCredentials = await client.findWithCredentials('olga@example.com');
      const existing = await client.findExisting({ friendlyName: 'olga@example.com' });

      // Assess
      expect(found).toMatchObject({ id: target.subAccountSid, naturalKey: 'olga@example.com' });
      expect(withCredentials?.id).toBe(target.subAccountSid);
      expect(withCredentials?.credentials.subToken?.reveal()).toBe(target.subToken);
      expect(withCredentials?.credentials.voipPwd?.reveal()).toBe(target.voipPwd);
      expect(existing?.credentials.subToken?.reveal()).toBe(target.subToken);
      expect(ops().filter((op) => op === 'GetSubAccounts')).toHaveLength(3);
    });

    it('scans the app the lookup names, not the configured one', async () => {
      // Prepare
      const client = clientFor(sim, format);
      sim.seed('pat@example.com', APP);
      const target = sim.seed('pat@example.com', OTHER_APP);
      sim.inject({
        operation: 'QuerySubAccountByName',
        fault: { kind: 'vendor-error', code: '111199' },
        times: 2,
      });

      // Act
      const inOther = await client.findExisting({ friendlyName: 'pat@example.com', appId: OTHER_APP });
      const viaWithCredentials = await client.findWithCredentials('pat@example.com', OTHER_APP);

      // Assess
      expect(inOther?.id).toBe(target.subAccountSid);
      expect(viaWithCredentials?.id).toBe(target.subAccountSid);
    });

    it('scans the list when the query endpoint answers a bare HTTP 404', async () => {
      // Prepare
      const client = clientFor(sim, format);
      const target = sim.seed('quinn@example.com');
      sim.inject({ operation: 'QuerySubAccountByName', fault: { kind: 'http-error', status: 404 } });

      // Act
      const found = await client.findByNaturalKey('quinn@example.com');

      // Assess
      expect(found?.id).toBe(target.subAccountSid);
      expect(ops()).toEqual(['QuerySubAccountByName', 'GetSubAccounts']);
    });

    it('does not scan when the query fails for a reason it can place', async () => {
      // Prepare
      const client = clientFor(sim, format);
      sim.seed('rita@example.com');
      sim.inject({ operation: 'QuerySubAccountByName', fault: { kind: 'vendor-error', code: '111181' } });

      // Act
      const error = platformError(await failure(() => client.findByNaturalKey('rita@example.com')));

      // Assess
      expect(error).toMatchObject({ category: 'account-state', code: '111181' });
      expect(ops()).toEqual(['QuerySubAccountByName']);
    });
  },
);

describe.each(['json', 'xml'] as const)('Cloopen client when errors come with HTTP 500 (%s)', (format) => {
  let sim: CloopenSimulatorHandle;

  beforeAll(async () => {
    sim = await startSimulator({ errorHttpStatus: 500 });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.reset();
  });

  const ops = () => sim.state.requests.map((r) => r.operation);

  it('reads the statusCode of the body: a signature failure on create is permanent, not an unknown outcome', async () => {
    // Prepare
    const client = clientFor(sim, format, { authToken: new Secret('WrongWrongWrongWrongWrongWrong00') });

    // Act
    const error = platformError(await failure(() => client.create({ friendlyName: 'sam' })));

    // Assess
    expect(error).toBeInstanceOf(CloopenError);
    expect(error).toMatchObject({ category: 'authentication', code: '111109', outcomeUnknown: false });
    expect(classifyFailure(error)).toBe('permanent');
  });

  it('does not retry a read whose 500 carries a permanent vendor code', async () => {
    // Prepare
    const client = clientFor(sim, format, {}, { readRetries: 2 });
    sim.inject({ operation: 'AccountInfo', fault: { kind: 'vendor-error', code: '111140' } });

    // Act
    const error = platformError(await failure(() => client.masterAccountInfo()));

    // Assess
    expect(error).toMatchObject({ category: 'account-state', code: '111140' });
    expect(ops()).toEqual(['AccountInfo']);
  });

  it('still retries a read whose 500 carries a transient vendor code', async () => {
    // Prepare
    const client = clientFor(sim, format, {}, { readRetries: 2 });
    sim.inject({ operation: 'AccountInfo', fault: { kind: 'rate-limit' } });

    // Act
    const info = await client.masterAccountInfo();

    // Assess
    expect(info.status).toBe('active');
    expect(ops()).toEqual(['AccountInfo', 'AccountInfo']);
  });

  it('answers a taken name on create as already-exists', async () => {
    // Prepare
    const client = clientFor(sim, format);
    sim.seed('tom');

    // Act
    const result = await client.create({ friendlyName: 'tom' });

    // Assess
    expect(result).toEqual({ outcome: 'already-exists', naturalKey: 'tom' });
  });

  it('keeps a 500 without a readable statusCode a server error with an unknown outcome', async () => {
    // Prepare
    const client = clientFor(sim, format);
    sim.inject({ operation: 'SubAccounts', fault: { kind: 'http-error', status: 500 } });

    // Act
    const error = platformError(await failure(() => client.create({ friendlyName: 'uma' })));

    // Assess
    expect(error).toMatchObject({ category: 'server', code: 'HTTP 500', outcomeUnknown: true });
  });
});
