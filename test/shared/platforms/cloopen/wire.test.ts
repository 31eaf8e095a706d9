import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../../shared/domain/errors.ts';
import { CloopenError, cloopenVendorError } from '../../../../shared/platforms/cloopen/errors.ts';
import {
  type CloopenFormat,
  cloopenHeaders,
  decodeAccountInfo,
  decodeCloopenEnvelope,
  decodeCreated,
  decodePage,
  decodeQueried,
  encodeCloopenBody,
  toCredentials,
  toMasterAccountInfo,
  toSubAccount,
  type WireContext,
} from '../../../../shared/platforms/cloopen/wire.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/cloopen/${name}`, import.meta.url), 'utf8');
const READ: WireContext = { operation: 'GetSubAccounts', mutates: false };
const CREATE: WireContext = { operation: 'SubAccounts', mutates: true };

function decode(format: CloopenFormat, name: string, context: WireContext = READ) {
  return decodeCloopenEnvelope(format, fixture(name), context);
}

function captureError(action: () => unknown): CloopenError {
  try {
    action();
  } catch (error) {
    if (error instanceof CloopenError) return error;
    throw error;
  }
  throw new Error('expected a CloopenError');
}

describe('Cloopen wire decoding of the documents samples', () => {
  it('reads the XML create sample, values exactly as sent', () => {
    // Act
    const envelope = decode('xml', 'create-subaccount.xml', CREATE);
    const record = decodeCreated(envelope, CREATE);

    // Assess
    expect(envelope.statusCode).toBe('000000');
    expect(record).toMatchObject({
      subAccountSid: 'abcdefghijklmnopqrstuvwxyz123456',
      dateCreated: '2013-02-01 15:22:46',
      voipAccount: '80000123456789',
    });
    expect(record.subToken?.reveal()).toBe('666961bb08a14f568d421e6fe57d2d3c');
    expect(record.voipPwd?.reveal()).toBe('xRkazyz3');
  });

  it('reads the JSON create sample and keeps its leading space in voipPwd', () => {
    // Act
    const record = decodeCreated(decode('json', 'create-subaccount.json', CREATE), CREATE);

    // Assess
    expect(record.voipPwd?.reveal()).toBe(' xRkazyz3');
    expect(record.subToken?.reveal()).toBe('666961bb08a14f568d42176fe571234');
    expect(record.dateCreated).toBe('2013-09-27 11:42:24');
  });

  it('maps a created sub-account to the port with createdAt on China time', () => {
    // Prepare
    const record = decodeCreated(decode('json', 'create-subaccount.json', CREATE), CREATE);

    // Act
    const account = toSubAccount(record, 'active', 'hello@163.com');
    const credentials = toCredentials(record);

    // Assess
    expect(account).toEqual({
      platform: 'cloopen',
      id: 'abcdefghijklmnopqrstuvwxyz123456',
      naturalKey: 'hello@163.com',
      status: 'active',
      createdAt: '2013-09-27T11:42:24+08:00',
      details: { voipAccount: '80000123456789', dateCreated: '2013-09-27 11:42:24' },
    });
    expect(Object.keys(credentials).sort()).toEqual(['subToken', 'voipAccount', 'voipPwd']);
    expect(JSON.stringify(account)).not.toContain('666961bb');
  });

  it('reads the XML list of two as two sub-accounts with their names', () => {
    // Act
    const page = decodePage(decode('xml', 'get-subaccounts.xml'), READ);

    // Assess
    expect(page.totalCount).toBe(2);
    expect(page.subAccounts.map((a) => [a.subAccountSid, a.friendlyName, a.voipAccount])).toEqual([
      ['abcdefghijklmnopqrstuvwxyz123456', '2981', '80000123456789'],
      ['abcdefghijklmnopqrstuvwxyz123457', '2983', '80000123456780'],
    ]);
  });

  it('reads the repaired JSON list of two without trimming the names', () => {
    // Act
    const page = decodePage(decode('json', 'get-subaccounts.json'), READ);

    // Assess
    expect(page.totalCount).toBe(2);
    expect(page.subAccounts.map((a) => a.friendlyName)).toEqual([' 2983', ' 2980']);
  });

  it.each([
    ['xml', 'get-subaccounts-one.xml'],
    ['json', 'get-subaccounts-one.json'],
  ] as const)('normalises a %s list of one to an array of one', (format, name) => {
    // Act
    const page = decodePage(decode(format, name), READ);

    // Assess
    expect(page.totalCount).toBe(1);
    expect(page.subAccounts).toHaveLength(1);
    expect(page.subAccounts[0]?.friendlyName).toBe('2981');
  });

  it('reads an empty XML page as no sub-accounts', () => {
    // Prepare
    const xml =
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Response><statusCode>000000</statusCode><totalCount>0</totalCount></Response>';

    // Act
    const page = decodePage(decodeCloopenEnvelope('xml', xml, READ), READ);

    // Assess
    expect(page).toEqual({ totalCount: 0, subAccounts: [] });
  });

  it('reads the XML AccountInfo sample (closing tag repaired) with every value a string', () => {
    // Act
    const info = decodeAccountInfo(decode('xml', 'account-info.xml'), READ);

    // Assess
    expect(info).toEqual({
      friendlyName: 'help@163.com',
      type: '0',
      status: '1',
      dateCreated: '2013-02-01 15:38:09',
      dateUpdated: '2013-02-01 15:38:09',
      balance: '0.0',
      subBalance: '112.0',
      extra: {},
    });
  });

  it('refuses the AccountInfo XML sample exactly as printed, broken tag and all, as protocol', () => {
    // Act
    const error = captureError(() => decode('xml', 'account-info-as-documented.xml'));

    // Assess
    expect(error.category).toBe('protocol');
  });

  it('maps the JSON AccountInfo sample to the master account in words', () => {
    // Act
    const master = toMasterAccountInfo(decodeAccountInfo(decode('json', 'account-info.json'), READ));

    // Assess
    expect(master).toEqual({
      platform: 'cloopen',
      name: '123456789@qq.com',
      status: 'active',
      balance: '211',
      details: {
        subBalance: '112',
        type: '1',
        typeName: 'registered',
        statusValue: '1',
        dateCreated: '2013-02-19 14:59:18',
        dateUpdated: '2013-09-27 09:13:33',
        createdAt: '2013-02-19T14:59:18+08:00',
        updatedAt: '2013-09-27T09:13:33+08:00',
      },
    });
  });

  it.each([
    ['0', 'inactive'],
    ['1', 'active'],
    ['2', 'suspended'],
    ['3', 'closed'],
  ])('words master status %s as %s', (status, word) => {
    // Act
    const master = toMasterAccountInfo({ status, extra: {} });

    // Assess
    expect(master.status).toBe(word);
  });

  it.each([
    ['json', 'error-111150.json'],
    ['xml', 'error-111150.xml'],
  ] as const)('reads the %s error answer with its statusMsg verbatim', (format, name) => {
    // Act
    const envelope = decode(format, name, CREATE);

    // Assess
    expect(envelope.statusCode).toBe('111150');
    expect(envelope.statusMsg).toBe('【账号】子账户名称重复');
  });

  it.each([
    ['json', 'error-111156.json'],
    ['xml', 'error-111156.xml'],
  ] as const)('reads the %s "sub-account closed" answer as a closed, permanent error', (format, name) => {
    // Prepare
    const envelope = decode(format, name, { operation: 'CloseSubAccount', mutates: true });

    // Act
    const error = cloopenVendorError('CloseSubAccount', envelope.statusCode, envelope.statusMsg, true);

    // Assess
    expect(envelope).toMatchObject({ statusCode: '111156', statusMsg: '【账号】子账户已关闭' });
    expect(error).toMatchObject({ category: 'closed', outcomeUnknown: false });
    expect(classifyFailure(error)).toBe('permanent');
  });

  it('keeps "000000" and "0.0" as strings in XML', () => {
    // Prepare
    const xml =
      '<Response><statusCode>000000</statusCode><Account><balance>0.0</balance></Account></Response>';

    // Act
    const envelope = decodeCloopenEnvelope('xml', xml, READ);

    // Assess
    expect(envelope.statusCode).toBe('000000');
    expect(decodeAccountInfo(envelope, READ).balance).toBe('0.0');
  });

  it('keeps spaces around XML values, as the JSON sample shows the platform sends them', () => {
    // Prepare
    const xml =
      '<Response>\n  <statusCode>000000</statusCode>\n  <SubAccount>\n    <subAccountSid>s</subAccountSid>\n    <voipPwd> xRkazyz3</voipPwd>\n    <friendlyName> 2983 </friendlyName>\n  </SubAccount>\n</Response>';

    // Act
    const record = decodeQueried(decodeCloopenEnvelope('xml', xml, READ), READ);

    // Assess
    expect(record?.voipPwd?.reveal()).toBe(' xRkazyz3');
    expect(record?.friendlyName).toBe(' 2983 ');
  });

  it('reads a success query answer without SubAccount as no sub-account', () => {
    // Act
    const record = decodeQueried(decodeCloopenEnvelope('json', '{"statusCode":"000000"}', READ), READ);

    // Assess
    expect(record).toBeUndefined();
  });
});

describe('Cloopen wire failures', () => {
  it('answers protocol for a body that is not JSON, without quoting the body', () => {
    // Act
    const error = captureError(() =>
      decodeCloopenEnvelope('json', "{'statusCode':'000000','subToken':'SECRET-TOKEN'}", CREATE),
    );

    // Assess
    expect(error.category).toBe('protocol');
    expect(error.outcomeUnknown).toBe(true);
    expect(`${error.message} ${inspect(error)}`).not.toContain('SECRET-TOKEN');
  });

  it('answers protocol for JSON without statusCode', () => {
    // Act
    const error = captureError(() => decodeCloopenEnvelope('json', '{"SubAccount":{}}', READ));

    // Assess
    expect(error.category).toBe('protocol');
    expect(error.outcomeUnknown).toBe(false);
  });

  it('answers protocol for XML with another root', () => {
    // Act
    const error = captureError(() =>
      decodeCloopenEnvelope('xml', '<Other><statusCode>0</statusCode></Other>', READ),
    );

    // Assess
    expect(error.category).toBe('protocol');
  });

  it('answers protocol for a create success without SubAccount, outcome unknown', () => {
    // Prepare
    const envelope = decodeCloopenEnvelope('json', '{"statusCode":"000000"}', CREATE);

    // Act
    const error = captureError(() => decodeCreated(envelope, CREATE));

    // Assess
    expect(error.category).toBe('protocol');
    expect(error.outcomeUnknown).toBe(true);
  });
});

describe('Cloopen wire encoding', () => {
  it('sends the documented header pairs per format', () => {
    // Act & Assess
    expect(cloopenHeaders('json')).toEqual({
      Accept: 'application/json',
      'Content-Type': 'application/json;charset=utf-8',
    });
    expect(cloopenHeaders('xml')).toEqual({
      Accept: 'application/xml',
      'Content-Type': 'application/xml;charset=utf-8',
    });
  });

  it('writes JSON bodies with every value a string', () => {
    // Act
    const body = encodeCloopenBody('json', { appId: 'app', startNo: '0', offset: '100' });

    // Assess
    expect(body).toBe('{"appId":"app","startNo":"0","offset":"100"}');
  });

  it('writes XML bodies as the documents do: declaration, then a SubAccount root', () => {
    // Act
    const body = encodeCloopenBody('xml', {
      appId: 'ff8080813c37da53013c8054f5123456',
      friendlyName: 'hello@163.com',
    });

    // Assess
    expect(body).toBe(
      "<?xml version='1.0' encoding='utf-8'?><SubAccount><appId>ff8080813c37da53013c8054f5123456</appId><friendlyName>hello@163.com</friendlyName></SubAccount>",
    );
  });

  it('keeps an XML body well-formed, with its appId unchanged, when friendlyName carries closing tags', () => {
    // Prepare
    const name = '</friendlyName><appId>x</appId><friendlyName>';
    const appId = 'ff8080813c37da53013c8054f5123456';

    // Act
    const body = encodeCloopenBody('xml', { appId, friendlyName: name });
    const parsed = new XMLParser({ parseTagValue: false, trimValues: false }).parse(body);

    // Assess
    expect(XMLValidator.validate(body)).toBe(true);
    expect(body.match(/<appId>/g)).toHaveLength(1);
    expect(Object.keys(parsed.SubAccount)).toEqual(['appId', 'friendlyName']);
    expect(parsed.SubAccount.appId).toBe(appId);
    expect(parsed.SubAccount.friendlyName).toBe(name);
  });

  it('escapes XML so a name with markup characters survives a round trip exactly', () => {
    // Prepare
    const name = `a&b<c>"' 用户1 `;

    // Act
    const body = encodeCloopenBody('xml', { friendlyName: name });
    const parsed = new XMLParser({ parseTagValue: false, trimValues: false }).parse(body);

    // Assess
    expect(body).toContain('a&amp;b&lt;c&gt;');
    expect(parsed.SubAccount.friendlyName).toBe(name);
  });
});
