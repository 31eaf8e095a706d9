import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CloopenSimulatorHandle,
  type CloopenSimulatorOptions,
  startCloopenSimulator,
} from '../../../simulators/cloopen/server.ts';

const SID = 'aaaabbbbccccddddeeeeffff00001111';
const TOKEN = 'T0k3nT0k3nT0k3nT0k3nT0k3nT0k3n99';
const APP = 'ff8080813c37da53013c8054f5123456';
const NOW = new Date('2024-05-01T12:00:00Z');
const TS = '20240501200000'; // NOW on China's clock

const JSON_HEADERS = { Accept: 'application/json', 'Content-Type': 'application/json;charset=utf-8' };
const XML_HEADERS = { Accept: 'application/xml', 'Content-Type': 'application/xml;charset=utf-8' };

interface Call {
  func: string;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  ts?: string;
  sig?: string | null;
  authorization?: string | null;
  sid?: string;
  version?: string;
  /** Another simulator than the shared one. */
  target?: CloopenSimulatorHandle;
}

describe('Cloopen simulator', () => {
  let sim: CloopenSimulatorHandle;
  beforeAll(async () => {
    sim = await startCloopenSimulator({ accountSid: SID, authToken: TOKEN, appIds: [APP], now: () => NOW });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => sim.reset());

  async function call(c: Call): Promise<{ status: number; text: string; type: string }> {
    const ts = c.ts ?? TS;
    const sid = c.sid ?? SID;
    const sig =
      c.sig === undefined
        ? createHash('md5').update(`${sid}${TOKEN}${ts}`).digest('hex').toUpperCase()
        : c.sig;
    const authorization =
      c.authorization === undefined ? Buffer.from(`${sid}:${ts}`).toString('base64') : c.authorization;
    const headers: Record<string, string> = { ...(c.headers ?? JSON_HEADERS) };
    if (authorization !== null) headers.Authorization = authorization;
    const query = sig === null ? '' : `?sig=${sig}`;
    const method = c.method ?? (c.func === 'AccountInfo' ? 'GET' : 'POST');
    const response = await fetch(
      `${(c.target ?? sim).url}/${c.version ?? '2013-12-26'}/Accounts/${sid}/${c.func}${query}`,
      {
        method,
        headers,
        body: c.body,
      },
    );
    return {
      status: response.status,
      text: await response.text(),
      type: response.headers.get('content-type') ?? '',
    };
  }

  const json = (text: string) => JSON.parse(text) as Record<string, unknown>;
  const createJson = (friendlyName: string) =>
    call({ func: 'SubAccounts', body: JSON.stringify({ appId: APP, friendlyName }) });

  describe('answers in the documents shapes', () => {
    it('creates a sub-account with generated values in the documented formats', async () => {
      // Act
      const answer = await createJson('alice@example.com');

      // Assess
      const body = json(answer.text);
      expect(answer.status).toBe(200);
      expect(answer.type).toBe('application/json;charset=utf-8');
      expect(body.statusCode).toBe('000000');
      expect(Object.keys(body)).toEqual(['statusCode', 'SubAccount']);
      const sub = body.SubAccount as Record<string, string>;
      expect(Object.keys(sub)).toEqual([
        'subAccountSid',
        'subToken',
        'dateCreated',
        'voipAccount',
        'voipPwd',
      ]);
      expect(sub.subAccountSid).toMatch(/^[0-9a-f]{32}$/);
      expect(sub.subToken).toMatch(/^[0-9a-f]{32}$/);
      expect(sub.voipAccount).toMatch(/^\d{14}$/);
      expect(sub.voipPwd).toMatch(/^[A-Za-z0-9]{8}$/);
      expect(sub.dateCreated).toBe('2024-05-01 20:00:00');
    });

    it('answers XML with the standalone declaration and a Response root when asked', async () => {
      // Act
      const answer = await call({ func: 'AccountInfo', headers: XML_HEADERS });

      // Assess
      expect(answer.type).toBe('application/xml;charset=utf-8');
      expect(answer.text).toMatch(
        /^<\?xml version="1\.0" encoding="UTF-8" standalone="yes"\?><Response><statusCode>000000<\/statusCode><Account><friendlyName>simulator@example\.com<\/friendlyName><type>1<\/type><status>1<\/status><dateCreated>2024-05-01 20:00:00<\/dateCreated><dateUpdated>2024-05-01 20:00:00<\/dateUpdated><balance>100\.0<\/balance><subBalance>0\.0<\/subBalance><\/Account><\/Response>$/,
      );
    });

    it('lists with totalCount and a SubAccount array, paging from startNo 0', async () => {
      // Prepare
      for (const name of ['a', 'b', 'c']) sim.seed(name);

      // Act
      const answer = await call({
        func: 'GetSubAccounts',
        body: JSON.stringify({ appId: APP, startNo: '1', offset: '10' }),
      });

      // Assess
      const body = json(answer.text);
      expect(body.totalCount).toBe('3');
      const list = body.SubAccount as Record<string, string>[];
      expect(list.map((s) => s.friendlyName)).toEqual(['b', 'c']);
      expect(Object.keys(list[0] ?? {})).toEqual([
        'subAccountSid',
        'subToken',
        'friendlyName',
        'dateCreated',
        'voipAccount',
        'voipPwd',
      ]);
    });

    it('answers an XML list of one as a single SubAccount element and none as no element', async () => {
      // Prepare
      sim.seed('only');
      const page = (startNo: string) =>
        `<?xml version='1.0' encoding='utf-8'?><SubAccount><appId>${APP}</appId><startNo>${startNo}</startNo><offset>10</offset></SubAccount>`;

      // Act
      const one = await call({ func: 'GetSubAccounts', headers: XML_HEADERS, body: page('0') });
      const none = await call({ func: 'GetSubAccounts', headers: XML_HEADERS, body: page('5') });

      // Assess
      expect(one.text.match(/<SubAccount>/g)).toHaveLength(1);
      expect(none.text).not.toContain('<SubAccount>');
      expect(none.text).toContain('<totalCount>1</totalCount>');
    });

    it('stores an XML-escaped name exactly and escapes it again in answers', async () => {
      // Prepare
      const body = `<?xml version='1.0' encoding='utf-8'?><SubAccount><appId>${APP}</appId><friendlyName> a&amp;b&lt;c&gt;&quot;&apos; </friendlyName></SubAccount>`;

      // Act
      const created = await call({ func: 'SubAccounts', headers: XML_HEADERS, body });
      const listed = await call({
        func: 'GetSubAccounts',
        headers: XML_HEADERS,
        body: `<SubAccount><appId>${APP}</appId></SubAccount>`,
      });

      // Assess
      expect(created.text).toContain('<statusCode>000000</statusCode>');
      expect(sim.state.accounts[0]?.friendlyName).toBe(` a&b<c>"' `);
      expect(listed.text).toContain('<friendlyName> a&amp;b&lt;c&gt;&quot;&apos; </friendlyName>');
    });

    it('closes with statusCode only, then answers 111156 "sub-account closed" for the same sid', async () => {
      // Prepare
      const account = sim.seed('x');
      const close = () =>
        call({ func: 'CloseSubAccount', body: JSON.stringify({ subAccountSid: account.subAccountSid }) });

      // Act
      const first = await close();
      const second = await close();

      // Assess
      expect(json(first.text)).toEqual({ statusCode: '000000' });
      expect(json(second.text)).toEqual({ statusCode: '111156', statusMsg: '【账号】子账户已关闭' });
    });

    it('still answers 111143 for a sid it never had', async () => {
      // Act
      const answer = await call({
        func: 'CloseSubAccount',
        body: JSON.stringify({ subAccountSid: '0'.repeat(32) }),
      });

      // Assess
      expect(json(answer.text)).toEqual({ statusCode: '111143', statusMsg: '【账号】子账户不存在' });
    });
  });

  describe('enforces the platform rules', () => {
    it('refuses a taken name with 111150', async () => {
      // Prepare
      await createJson('dup');

      // Act
      const answer = await createJson('dup');

      // Assess
      expect(json(answer.text)).toEqual({ statusCode: '111150', statusMsg: '【账号】子账户名称重复' });
      expect(sim.state.accounts).toHaveLength(1);
    });

    it('answers 111156 for a query of a name whose only sub-account is closed', async () => {
      // Prepare
      const account = await createJson('shut');
      const sid = (json(account.text).SubAccount as { subAccountSid: string }).subAccountSid;
      await call({ func: 'CloseSubAccount', body: JSON.stringify({ subAccountSid: sid }) });

      // Act
      const answer = await call({
        func: 'QuerySubAccountByName',
        body: JSON.stringify({ appId: APP, friendlyName: 'shut' }),
      });

      // Assess
      expect(json(answer.text)).toEqual({ statusCode: '111156', statusMsg: '【账号】子账户已关闭' });
    });

    it.each([
      ['SubAccounts', { appId: APP, friendlyName: 'n', password: 'x' }],
      ['GetSubAccounts', { appId: APP, startNo: '0', offset: '10', status: '1' }],
      ['QuerySubAccountByName', { appId: APP, friendlyName: 'n', subAccountSid: '0'.repeat(32) }],
      ['CloseSubAccount', { subAccountSid: '0'.repeat(32), friendlyName: 'n' }],
    ])('refuses a %s body with a field the documents do not list, committing nothing', async (func, body) => {
      // Act
      const answer = await call({ func, body: JSON.stringify(body) });

      // Assess
      expect(json(answer.text).statusCode).toBe('111199');
      expect(json(answer.text).statusMsg).toMatch(/未知参数/);
      expect(sim.state.accounts).toHaveLength(0);
    });

    it('refuses an XML body with an element the documents do not list', async () => {
      // Act
      const answer = await call({
        func: 'SubAccounts',
        headers: XML_HEADERS,
        body: `<?xml version='1.0' encoding='utf-8'?><SubAccount><appId>${APP}</appId><friendlyName>n</friendlyName><extra>1</extra></SubAccount>`,
      });

      // Assess
      expect(answer.text).toContain('<statusCode>111199</statusCode>');
      expect(sim.state.accounts).toHaveLength(0);
    });

    it('accepts the appId some clients add to CloseSubAccount', async () => {
      // Prepare
      const account = sim.seed('with-app');

      // Act
      const answer = await call({
        func: 'CloseSubAccount',
        body: JSON.stringify({ subAccountSid: account.subAccountSid, appId: APP }),
      });

      // Assess
      expect(json(answer.text)).toEqual({ statusCode: '000000' });
    });

    it('answers 111143 for a name nobody has', async () => {
      // Act
      const answer = await call({
        func: 'QuerySubAccountByName',
        body: JSON.stringify({ appId: APP, friendlyName: 'ghost' }),
      });

      // Assess
      expect(json(answer.text).statusCode).toBe('111143');
    });

    it.each([
      ['an unknown app', { appId: '0'.repeat(32), friendlyName: 'n' }, '111181'],
      ['an empty name', { appId: APP, friendlyName: '' }, '111199'],
      ['a missing app', { friendlyName: 'n' }, '111199'],
      ['a name over 64 characters', { appId: APP, friendlyName: 'n'.repeat(65) }, '111199'],
      ['a number where a string belongs', { appId: APP, friendlyName: 5 }, '111199'],
    ])('refuses a create with %s', async (_, body, code) => {
      // Act
      const answer = await call({ func: 'SubAccounts', body: JSON.stringify(body) });

      // Assess
      expect(answer.status).toBe(200);
      expect(json(answer.text).statusCode).toBe(code);
    });

    it.each(['0', '101', 'ten'])('refuses offset %s', async (offset) => {
      // Act
      const answer = await call({ func: 'GetSubAccounts', body: JSON.stringify({ appId: APP, offset }) });

      // Assess
      expect(json(answer.text).statusCode).toBe('111199');
    });

    it('refuses a body that does not parse in the declared format', async () => {
      // Act
      const answer = await call({ func: 'SubAccounts', headers: XML_HEADERS, body: `{"appId":"${APP}"}` });

      // Assess
      expect(answer.text).toContain('<statusCode>111199</statusCode>');
    });

    it('lets a closed name be reused only when configured so', async () => {
      // Prepare
      const reusable = await startCloopenSimulator({
        accountSid: SID,
        authToken: TOKEN,
        appIds: [APP],
        now: () => NOW,
        closedNamesReusable: true,
      });
      const strictOne = sim.seed('gone');
      const lenientOne = reusable.seed('gone');
      strictOne.status = 'closed';
      lenientOne.status = 'closed';

      // Act
      const strict = await createJson('gone');
      const strictQuery = await call({
        func: 'QuerySubAccountByName',
        body: JSON.stringify({ appId: APP, friendlyName: 'gone' }),
      });
      const lenient = await call({
        func: 'SubAccounts',
        body: JSON.stringify({ appId: APP, friendlyName: 'gone' }),
        target: reusable,
      });
      await reusable.close();

      // Assess
      expect(json(strict.text).statusCode).toBe('111150');
      expect(json(strictQuery.text).statusCode).toBe('111156');
      expect(json(lenient.text).statusCode).toBe('000000');
    });
  });

  describe('authenticates strictly', () => {
    it.each([
      ['a missing sig', { sig: null }, '111109'],
      ['a lower-case sig', { sig: createHash('md5').update(`${SID}${TOKEN}${TS}`).digest('hex') }, '111109'],
      [
        'a sig over another token',
        { sig: createHash('md5').update(`${SID}x${TS}`).digest('hex').toUpperCase() },
        '111109',
      ],
      ['a missing Authorization', { authorization: null }, '111109'],
      [
        'an Authorization with another ts',
        { authorization: Buffer.from(`${SID}:20240501200001`).toString('base64') },
        '111109',
      ],
      ['an Authorization that is not base64 sid:ts', { authorization: 'not base64!' }, '111109'],
      ['a ts in another format', { ts: '2024-05-01 20:00:00' }, '111113'],
      ['an impossible date', { ts: '20240231200000' }, '111113'],
      ['a ts 25 hours old', { ts: '20240430190000' }, '111106'],
      ['a ts 25 hours ahead', { ts: '20240502210000' }, '111106'],
      ['an unknown main account', { sid: 'ffffffffffffffffffffffffffffffff' }, '111141'],
      [
        'a repeated sig, even with both copies right',
        {
          sig: `${createHash('md5').update(`${SID}${TOKEN}${TS}`).digest('hex').toUpperCase()}&sig=${createHash('md5').update(`${SID}${TOKEN}${TS}`).digest('hex').toUpperCase()}`,
        },
        '111109',
      ],
    ] as const)('answers %s with its code', async (_, override, code) => {
      // Act
      const answer = await call({ func: 'AccountInfo', ...override });

      // Assess
      expect(answer.status).toBe(200);
      expect(json(answer.text).statusCode).toBe(code);
    });

    it('accepts a ts 23 hours old', async () => {
      // Act
      const answer = await call({ func: 'AccountInfo', ts: '20240430210000' });

      // Assess
      expect(json(answer.text).statusCode).toBe('000000');
    });
  });

  describe('refuses malformed HTTP', () => {
    it.each([
      ['another version', { func: 'AccountInfo', version: '2013-12-25' }, 404],
      ['an unknown function', { func: 'DeleteSubAccount' }, 404],
      ['POST for AccountInfo', { func: 'AccountInfo', method: 'POST', body: '{}' }, 405],
      ['GET for SubAccounts', { func: 'SubAccounts', method: 'GET' }, 405],
      ['no Accept', { func: 'AccountInfo', headers: { 'Content-Type': 'application/json' } }, 406],
      [
        'Accept text/html',
        { func: 'AccountInfo', headers: { Accept: 'text/html', 'Content-Type': 'application/json' } },
        406,
      ],
      ['no Content-Type', { func: 'AccountInfo', headers: { Accept: 'application/json' } }, 415],
      [
        'a body without charset',
        {
          func: 'SubAccounts',
          body: '{}',
          headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
        },
        415,
      ],
    ] as const)('answers %s with HTTP %s', async (_, request, status) => {
      // Act
      const answer = await call(request);

      // Assess
      expect(answer.status).toBe(status);
    });

    it.each([
      ['JSON and XML', 'application/json, application/xml'],
      ['XML and JSON with a weight', 'application/xml,application/json;q=0.9'],
      ['JSON and anything', 'application/json, */*'],
    ])('refuses an Accept that lists several types (%s) with HTTP 406', async (_, accept) => {
      // Act
      const answer = await call({
        func: 'AccountInfo',
        headers: { Accept: accept, 'Content-Type': 'application/json;charset=utf-8' },
      });

      // Assess
      expect(answer.status).toBe(406);
      expect(sim.state.requests.map((r) => r.outcome)).toEqual(['HTTP 406']);
    });

    it.each([
      ['a GET in GBK', 'AccountInfo', 'application/json;charset=gbk'],
      ['a GET in ISO-8859-1', 'AccountInfo', 'application/xml;charset=ISO-8859-1'],
      ['a GET with two charsets', 'AccountInfo', 'application/json;charset=utf-8;charset=gbk'],
      ['a POST with two charsets', 'GetSubAccounts', 'application/json;charset=gbk;charset=utf-8'],
      [
        'a Content-Type that lists two types',
        'AccountInfo',
        'application/json;charset=utf-8, application/xml',
      ],
    ])('refuses %s with HTTP 415', async (_, func, contentType) => {
      // Act
      const answer = await call({
        func,
        headers: { Accept: 'application/json', 'Content-Type': contentType },
        body: func === 'AccountInfo' ? undefined : JSON.stringify({ appId: APP }),
      });

      // Assess
      expect(answer.status).toBe(415);
    });

    it('takes the charset and its value in any case, as HTTP does', async () => {
      // Act
      const answer = await call({
        func: 'AccountInfo',
        headers: { Accept: 'application/json', 'Content-Type': 'application/json; Charset=UTF-8' },
      });

      // Assess
      expect(json(answer.text).statusCode).toBe('000000');
    });

    it('accepts a GET whose Content-Type has no charset', async () => {
      // Act
      const answer = await call({
        func: 'AccountInfo',
        headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      });

      // Assess
      expect(json(answer.text).statusCode).toBe('000000');
    });
  });

  describe('faults', () => {
    it('answers 111111 for rate-limit and the injected code for vendor-error, committing nothing', async () => {
      // Prepare
      sim.inject({ operation: 'SubAccounts', fault: { kind: 'rate-limit' } });
      sim.inject({
        operation: 'SubAccounts',
        fault: { kind: 'vendor-error', code: '111142', message: '欠费' },
      });

      // Act
      const limited = await createJson('a');
      const vendor = await createJson('a');

      // Assess
      expect(json(limited.text).statusCode).toBe('111111');
      expect(json(vendor.text)).toEqual({ statusCode: '111142', statusMsg: '欠费' });
      expect(sim.state.accounts).toHaveLength(0);
    });

    it('commits then drops the connection for drop-after-commit', async () => {
      // Prepare
      sim.inject({ operation: 'SubAccounts', fault: { kind: 'drop-after-commit' } });

      // Act
      const outcome = await createJson('kept').then(
        () => 'answered',
        () => 'dropped',
      );

      // Assess
      expect(outcome).toBe('dropped');
      expect(sim.state.accounts.map((a) => a.friendlyName)).toEqual(['kept']);
    });

    it('answers the injected HTTP status only for the named operation', async () => {
      // Prepare
      sim.inject({ operation: 'GetSubAccounts', fault: { kind: 'http-error', status: 503 } });

      // Act
      const info = await call({ func: 'AccountInfo' });
      const page = await call({ func: 'GetSubAccounts', body: JSON.stringify({ appId: APP }) });

      // Assess
      expect(info.status).toBe(200);
      expect(page.status).toBe(503);
    });

    it('still closes while a request hangs', async () => {
      // Prepare
      const own = await startCloopenSimulator({
        accountSid: SID,
        authToken: TOKEN,
        appIds: [APP],
        now: () => NOW,
      });
      own.inject({ fault: { kind: 'hang' } });
      const pending = call({ func: 'AccountInfo', target: own }).then(
        () => 'answered',
        () => 'dropped',
      );
      while (own.state.requests.length === 0) await new Promise((r) => setTimeout(r, 5));

      // Act
      await own.close();

      // Assess
      expect(await pending).toBe('dropped');
    });
  });

  describe('control endpoints', () => {
    it('takes faults over HTTP, shows state and resets', async () => {
      // Prepare
      await createJson('seen');

      // Act
      const injected = await fetch(`${sim.url}/__sim/faults`, {
        method: 'POST',
        body: JSON.stringify({ operation: 'AccountInfo', fault: { kind: 'vendor-error', code: '111140' } }),
      });
      const faulted = await call({ func: 'AccountInfo' });
      const state = (await (await fetch(`${sim.url}/__sim/state`)).json()) as {
        accounts: { friendlyName: string }[];
      };
      const reset = await fetch(`${sim.url}/__sim/reset`, { method: 'POST' });

      // Assess
      expect(injected.status).toBe(204);
      expect(json(faulted.text).statusCode).toBe('111140');
      expect(state.accounts.map((a) => a.friendlyName)).toEqual(['seen']);
      expect(reset.status).toBe(204);
      expect(sim.state.accounts).toHaveLength(0);
    });

    it('delays every API call by the latency set over HTTP, until set back to 0', async () => {
      // Prepare
      const set = (body: string) => fetch(`${sim.url}/__sim/latency`, { method: 'POST', body });

      // Act
      const accepted = await set('{"ms":80}');
      const started = performance.now();
      const answer = await call({ func: 'AccountInfo' });
      const elapsed = performance.now() - started;
      const refused = await set('{"ms":-1}');
      sim.setLatency(0);

      // Assess: a lower bound only (timers never fire early by more than a millisecond).
      expect(accepted.status).toBe(204);
      expect(json(answer.text).statusCode).toBe('000000');
      expect(elapsed).toBeGreaterThanOrEqual(75);
      expect(refused.status).toBe(400);
    });

    it('refuses something that is not a fault rule', async () => {
      // Act
      const answer = await fetch(`${sim.url}/__sim/faults`, {
        method: 'POST',
        body: '{"fault":{"kind":"boom"}}',
      });

      // Assess
      expect(answer.status).toBe(400);
    });
  });

  describe('paging from 1 when so configured', () => {
    it('reads startNo 1 as the first account and 0 like 1', async () => {
      // Prepare
      const oneBased = await startCloopenSimulator({
        accountSid: SID,
        authToken: TOKEN,
        appIds: [APP],
        now: () => NOW,
        startNoBase: 1,
      });
      for (const name of ['a', 'b', 'c']) oneBased.seed(name);
      const page = async (startNo: string) => {
        const answer = await call({
          func: 'GetSubAccounts',
          body: JSON.stringify({ appId: APP, startNo, offset: '2' }),
          target: oneBased,
        });
        const list = json(answer.text).SubAccount as { friendlyName: string }[];
        return list.map((s) => s.friendlyName);
      };

      // Act
      const pages = [await page('0'), await page('1'), await page('2')];
      await oneBased.close();

      // Assess
      expect(pages).toEqual([
        ['a', 'b'],
        ['a', 'b'],
        ['b', 'c'],
      ]);
    });
  });

  describe('optional behaviours the documents leave open', () => {
    async function other(options: Partial<CloopenSimulatorOptions>): Promise<CloopenSimulatorHandle> {
      return startCloopenSimulator({
        accountSid: SID,
        authToken: TOKEN,
        appIds: [APP],
        now: () => NOW,
        ...options,
      });
    }

    it('counts only the page in totalCount, and caps the page it serves, when so configured', async () => {
      // Prepare
      const target = await other({ totalCountMeans: 'page', servedPageSize: 2 });
      for (const name of ['a', 'b', 'c', 'd', 'e']) target.seed(name);
      const page = async (startNo: string) =>
        json(
          (
            await call({
              func: 'GetSubAccounts',
              body: JSON.stringify({ appId: APP, startNo, offset: '10' }),
              target,
            })
          ).text,
        );

      // Act
      const first = await page('0');
      const last = await page('4');
      await target.close();

      // Assess
      expect(first.totalCount).toBe('2');
      expect((first.SubAccount as { friendlyName: string }[]).map((s) => s.friendlyName)).toEqual(['a', 'b']);
      expect(last.totalCount).toBe('1');
    });

    it('answers a missing sub-account with the configured code and message', async () => {
      // Prepare
      const target = await other({ notFoundAnswer: { code: '111555', message: '【账号】无记录' } });

      // Act
      const query = await call({
        func: 'QuerySubAccountByName',
        body: JSON.stringify({ appId: APP, friendlyName: 'ghost' }),
        target,
      });
      const close = await call({
        func: 'CloseSubAccount',
        body: JSON.stringify({ subAccountSid: '0'.repeat(32) }),
        target,
      });
      await target.close();

      // Assess
      expect(json(query.text)).toEqual({ statusCode: '111555', statusMsg: '【账号】无记录' });
      expect(json(close.text)).toEqual({ statusCode: '111555', statusMsg: '【账号】无记录' });
    });

    it('carries error statusCodes on the configured HTTP status, successes on 200', async () => {
      // Prepare
      const target = await other({ errorHttpStatus: 500 });

      // Act
      const refused = await call({ func: 'AccountInfo', sig: '0'.repeat(32), target });
      const fine = await call({ func: 'AccountInfo', target });
      await target.close();

      // Assess
      expect(refused.status).toBe(500);
      expect(json(refused.text).statusCode).toBe('111109');
      expect(fine.status).toBe(200);
    });
  });
});
