import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../../shared/domain/errors.ts';
import { BaijiayunError, categoryOf } from '../../../../shared/platforms/baijiayun/errors.ts';
import {
  accountInfoToSubAccount,
  decodeAccountInfo,
  decodeAddResult,
  decodeListPage,
  decodeNothing,
  encodeForm,
  interpretAnswer,
  listItemToSubAccount,
  toWireParams,
} from '../../../../shared/platforms/baijiayun/wire.ts';
import type { HttpAnswer } from '../../../../shared/platforms/http.ts';
import { Secret } from '../../../../shared/secret.ts';

function fixture(name: string): HttpAnswer {
  const text = readFileSync(new URL(`../../../fixtures/baijiayun/${name}.json`, import.meta.url), 'utf8');
  return { status: 200, contentType: 'application/json', text };
}

const answer = (body: unknown, status = 200): HttpAnswer => ({
  status,
  contentType: 'application/json',
  text: typeof body === 'string' ? body : JSON.stringify(body),
});

function failure(run: () => unknown): BaijiayunError {
  try {
    run();
  } catch (error) {
    if (error instanceof BaijiayunError) return error;
    throw error;
  }
  throw new Error('expected a BaijiayunError');
}

describe('Baijiayun wire decoding of the documented answers', () => {
  it('decodes the list example with nested product statuses and a numeric partner_id', () => {
    // Act
    const page = interpretAnswer('getSubAccountList', fixture('getSubAccountList'), decodeListPage);

    // Assess
    expect(page).toEqual({
      total: 30,
      list: [
        {
          partner_id: '87434923',
          mobile: '12300000023',
          email: '12300000023@qq.com',
          contacts: '',
          company: '',
          effect_time: '2020-07-15 19:26:53',
          expire_time: '2020-07-21 23:59:59',
          large_class_status: 2,
          small_class_status: 2,
          business_status: 2,
          video_status: 0,
        },
      ],
    });
  });

  it('maps a list entry to the port with UTC+8 times and statuses in details', () => {
    // Prepare
    const page = interpretAnswer('getSubAccountList', fixture('getSubAccountList'), decodeListPage);
    const [item] = page.list;
    if (!item) throw new Error('fixture has one entry');

    // Act
    const account = listItemToSubAccount(item, 'active');

    // Assess
    expect(account).toEqual({
      platform: 'baijiayun',
      id: '87434923',
      naturalKey: '12300000023',
      status: 'active',
      effectiveAt: '2020-07-15T19:26:53+08:00',
      expiresAt: '2020-07-21T23:59:59+08:00',
      details: {
        company: '',
        contacts: '',
        email: '12300000023@qq.com',
        large_class_status: 2,
        small_class_status: 2,
        business_status: 2,
        video_status: 0,
      },
    });
  });

  it('decodes the add example, whose partner_id is a string', () => {
    // Act
    const result = interpretAnswer('addSubAccount', fixture('addSubAccount'), decodeAddResult);

    // Assess
    expect(result).toEqual({ partner_id: '87510563' });
  });

  it('decodes the flat account info example and wraps every credential as a Secret', () => {
    // Act
    const info = interpretAnswer('getAccountInfo', fixture('getAccountInfo'), decodeAccountInfo);

    // Assess
    expect(info.mobile).toBe('12700000011');
    expect(info.large_class_user_limit).toBe(1);
    expect(info.credit_money).toBe(300);
    expect(info.video_status).toBe(2);
    expect(info.private_domain).toBe('exxxxxxxxxx');
    expect(info.partner_key).toBeInstanceOf(Secret);
    expect(info.partner_key?.reveal()).toBe('xxxxxxxxxxxxxxxxxxxxxxxxxxx');
    expect(info.secret_key?.reveal()).toBe('xxxxxxxxxxx');
    expect(info.password).toBeUndefined();
  });

  it('maps account info to the port with the requested id, details and credentials', () => {
    // Prepare
    const info = interpretAnswer('getAccountInfo', fixture('getAccountInfo'), decodeAccountInfo);

    // Act
    const account = accountInfoToSubAccount('87510563', info, new Date('2020-06-01T00:00:00Z'));

    // Assess
    expect(account.id).toBe('87510563');
    expect(account.naturalKey).toBe('12700000011');
    expect(account.status).toBe('unknown');
    expect(account.effectiveAt).toBe('2020-01-01T00:00:00+08:00');
    expect(account.expiresAt).toBe('2021-01-01T00:00:00+08:00');
    expect(account.details).toMatchObject({
      company: '公司',
      contacts: '联系人',
      email: '12700000011@123.com',
      private_domain: 'exxxxxxxxxx',
      large_class_max_user_limit: 2,
      business_live_max_speakers: 2,
      credit_money: 300,
      max_storage_limit: 3,
      small_class_status: 2,
    });
    expect(Object.keys(account.credentials).sort()).toEqual(['partnerKey', 'secretKey']);
  });

  it('reads an account whose expire_time has passed as suspended', () => {
    // Prepare
    const info = interpretAnswer('getAccountInfo', fixture('getAccountInfo'), decodeAccountInfo);

    // Act
    const account = accountInfoToSubAccount('1', info, new Date('2021-06-01T00:00:00Z'));

    // Assess
    expect(account.status).toBe('suspended');
  });

  it('accepts the setters answer with data null', () => {
    // Act
    const result = interpretAnswer('setCreditMoney', fixture('setter'), decodeNothing);

    // Assess
    expect(result).toBeUndefined();
  });

  it('accepts flat product statuses in the list and integers printed as strings', () => {
    // Prepare
    const body = {
      code: '0',
      data: { total: '1', list: [{ partner_id: '42', mobile: '13800000000', video_status: '1' }] },
      msg: '',
      ts: 1,
    };

    // Act
    const page = interpretAnswer('getSubAccountList', answer(body), decodeListPage);

    // Assess
    expect(page.total).toBe(1);
    expect(page.list[0]).toMatchObject({ partner_id: '42', video_status: 1 });
  });

  it('never lets credentials out through JSON or inspect', () => {
    // Prepare
    const info = interpretAnswer('getAccountInfo', fixture('getAccountInfo'), decodeAccountInfo);
    const account = accountInfoToSubAccount('1', info, new Date('2020-06-01T00:00:00Z'));

    // Act
    const printed = [
      JSON.stringify(info),
      inspect(info, { depth: 5 }),
      JSON.stringify(account),
      inspect(account),
    ];

    // Assess
    for (const text of printed) {
      expect(text).not.toContain('xxxxxxxxxxxxxxxxxxxxxxxxxxx');
      expect(text).not.toContain('"xxxxxxxxxxx"');
    }
  });
});

describe('Baijiayun wire decoding of answers that stray from the example', () => {
  const listOf = (list: unknown) => answer({ code: 0, data: { total: 3, list }, msg: '', ts: 1 });

  it('accepts a list given as an object keyed by index, in index order', () => {
    // Prepare
    const list = {
      '0': { partner_id: 1, mobile: '13800000000' },
      '1': { partner_id: 2, mobile: '13800000001' },
      '2': { partner_id: 3, mobile: '13800000002' },
    };

    // Act
    const page = interpretAnswer('getSubAccountList', listOf(list), decodeListPage);

    // Assess
    expect(page.list.map((item) => item.partner_id)).toEqual(['1', '2', '3']);
  });

  it('keeps an entry without a mobile, with an empty natural key, instead of failing the page', () => {
    // Prepare
    const list = [
      { partner_id: 1, mobile: '13800000000' },
      { partner_id: 2, email: 'no-mobile@example.com' },
      { partner_id: 3, mobile: '' },
    ];

    // Act
    const page = interpretAnswer('getSubAccountList', listOf(list), decodeListPage);
    const accounts = page.list.map((item) => listItemToSubAccount(item, 'unknown'));

    // Assess
    expect(page.list.map((item) => item.mobile)).toEqual(['13800000000', undefined, undefined]);
    expect(accounts.map((a) => [a.id, a.naturalKey])).toEqual([
      ['1', '13800000000'],
      ['2', ''],
      ['3', ''],
    ]);
  });

  it('keeps numbers it cannot read as integers raw in details instead of failing the read', () => {
    // Prepare
    const body = {
      code: 0,
      data: { mobile: '12700000011', credit_money: '300.00', flow: 1.5, max_flow: 3, video_status: '1' },
      msg: '',
      ts: 1,
    };

    // Act
    const info = interpretAnswer('getAccountInfo', answer(body), decodeAccountInfo);
    const account = accountInfoToSubAccount('1', info, new Date('2020-06-01T00:00:00Z'));

    // Assess
    expect(info.credit_money).toBeUndefined();
    expect(info.flow).toBeUndefined();
    expect(info.unparsed).toEqual({ credit_money: '300.00', flow: 1.5 });
    expect(account.details).toMatchObject({
      credit_money: '300.00',
      flow: 1.5,
      max_flow: 3,
      video_status: 1,
    });
  });

  it('keeps an odd product status of a list entry raw too', () => {
    // Prepare
    const list = [{ partner_id: 1, mobile: '13800000000', product_status: { video_status: '1.0' } }];

    // Act
    const [item] = interpretAnswer('getSubAccountList', listOf(list), decodeListPage).list;

    // Assess
    expect(item?.video_status).toBeUndefined();
    expect(item && listItemToSubAccount(item, 'unknown').details.video_status).toBe('1.0');
  });

  it('still refuses an entry without an id, a value of the wrong kind, and a page without total', () => {
    // Act
    const noId = failure(() =>
      interpretAnswer('getSubAccountList', listOf([{ mobile: '13800000000' }]), decodeListPage),
    );
    const wrongKind = failure(() =>
      interpretAnswer(
        'getAccountInfo',
        answer({ code: 0, data: { mobile: '1', credit_money: { amount: 1 } }, msg: '' }),
        decodeAccountInfo,
      ),
    );
    const noTotal = failure(() =>
      interpretAnswer('getSubAccountList', answer({ code: 0, data: { list: [] }, msg: '' }), decodeListPage),
    );

    // Assess
    expect([noId.category, wrongKind.category, noTotal.category]).toEqual([
      'protocol',
      'protocol',
      'protocol',
    ]);
    expect(wrongKind.message).toContain('data.credit_money');
  });
});

describe('Baijiayun vendor codes', () => {
  it.each([
    [1001, 'invalid-request', 'permanent'],
    [1002, 'authentication', 'permanent'],
    [2001, 'not-found', 'permanent'],
    [2002, 'authentication', 'permanent'],
    [2003, 'account-state', 'permanent'],
    [404, 'protocol', 'permanent'],
    [1, 'unknown', 'permanent'],
    [9999, 'unknown', 'permanent'],
  ] as const)('code %i becomes %s (%s)', (code, category, retry) => {
    // Prepare
    const body = { code, data: null, msg: '出错了', ts: 1 };

    // Act
    const error = failure(() => interpretAnswer('getAccountInfo', answer(body), decodeAccountInfo));

    // Assess
    expect(error.category).toBe(category);
    expect(error.code).toBe(String(code));
    expect(error.vendorMessage).toBe('出错了');
    expect(error.platform).toBe('baijiayun');
    expect(error.operation).toBe('getAccountInfo');
    expect(classifyFailure(error)).toBe(retry);
  });

  it.each(['getSubAccountList', 'addSubAccount'] as const)(
    'reads the recorded 2001 answer to %s, which names no sub-account, as an unknown partner id: authentication',
    (operation) => {
      // Act
      const error = failure(() => interpretAnswer(operation, fixture('error-2001'), decodeNothing));

      // Assess
      expect(error).toMatchObject({ code: '2001', category: 'authentication', vendorMessage: '账号不存在' });
      expect(error.message).toMatch(/partner_id/);
      expect(classifyFailure(error)).toBe('permanent');
    },
  );

  it.each([
    ['请求过于频繁，请稍后再试', 'rate-limited'],
    ['接口限流', 'rate-limited'],
    ['Too many requests', 'rate-limited'],
    ['rate limit exceeded', 'rate-limited'],
    ['时间戳已过期', 'authentication'],
    ['invalid timestamp', 'authentication'],
    ['签名错误', 'authentication'],
    ['手机号已存在', 'unknown'],
    ['failed to generate account', 'unknown'],
  ] as const)('code 1 with msg %s becomes %s', (msg, category) => {
    // Act / Assess
    expect(categoryOf(1, msg)).toBe(category);
  });

  it('makes a code-1 rate limit retryable', () => {
    // Act
    const error = failure(() =>
      interpretAnswer(
        'getSubAccountList',
        answer({ code: 1, data: null, msg: '请求过于频繁', ts: 1 }),
        decodeListPage,
      ),
    );

    // Assess
    expect(classifyFailure(error)).toBe('retryable');
  });

  it('reads an unparsable body as a protocol error that does not echo the body', () => {
    // Act
    const error = failure(() =>
      interpretAnswer('getAccountInfo', answer('<html>secret_key=abc</html>'), decodeAccountInfo),
    );

    // Assess
    expect(error.category).toBe('protocol');
    expect(error.message).not.toContain('secret_key');
    expect(error.cause).toBeUndefined();
  });

  it('reads a missing code, or a code-0 body of the wrong shape, as protocol errors', () => {
    // Act
    const noCode = failure(() => interpretAnswer('getAccountInfo', answer({ data: {} }), decodeAccountInfo));
    const badShape = failure(() =>
      interpretAnswer(
        'getSubAccountList',
        answer({ code: 0, data: { list: 'nope' }, msg: '' }),
        decodeListPage,
      ),
    );
    const badId = failure(() =>
      interpretAnswer(
        'addSubAccount',
        answer({ code: 0, data: { partner_id: 'abc' }, msg: '' }),
        decodeAddResult,
      ),
    );

    // Assess
    expect([noCode.category, badShape.category, badId.category]).toEqual([
      'protocol',
      'protocol',
      'protocol',
    ]);
    expect(badShape.message).toContain('data.list');
  });

  it('reads an HTTP 404 without a JSON body as a protocol error with the HTTP code', () => {
    // Act
    const error = failure(() =>
      interpretAnswer(
        'getAccountInfo',
        { status: 404, contentType: 'text/html', text: 'Not Found' },
        decodeAccountInfo,
      ),
    );

    // Assess
    expect(error.category).toBe('protocol');
    expect(error.code).toBe('HTTP 404');
  });
});

describe('Baijiayun form encoding', () => {
  it('sends integers as digits, reveals secrets and leaves absent values out', () => {
    // Prepare
    const params = { mobile: '13800000000', password: new Secret('p@ss word'), flow: 0, company: undefined };

    // Act
    const wire = toWireParams('addSubAccount', params);
    const body = encodeForm({ ...wire, effect_time: '2024-01-01 00:00:00' });

    // Assess
    expect(wire).toEqual({ mobile: '13800000000', password: 'p@ss word', flow: '0' });
    expect(new URLSearchParams(body).get('password')).toBe('p@ss word');
    expect(new URLSearchParams(body).get('effect_time')).toBe('2024-01-01 00:00:00');
    expect(body).not.toContain('company');
  });

  it('refuses a non-integer number before anything is sent', () => {
    // Act
    const error = failure(() => toWireParams('setCreditMoney', { credit_money: 1.5 }));

    // Assess
    expect(error.category).toBe('invalid-request');
  });
});
