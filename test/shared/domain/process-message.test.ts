import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetryLaterError } from '../../../shared/domain/errors.ts';
import { processMessage } from '../../../shared/domain/process-message.ts';
import type { AccountKey } from '../../../shared/ports/ledger.ts';
import {
  baijiayunCreateInput,
  clockOf,
  cloopenCreateInput,
  delivery,
  lifecycleInput,
  MAX_RECEIVE_COUNT,
  NOW,
  rejection,
  runCreate,
  startUseCaseHarness,
  type UseCaseHarness,
  validRequest,
} from '../../support/use-cases.ts';

let h: UseCaseHarness;

beforeAll(async () => {
  h = await startUseCaseHarness();
});

afterAll(async () => {
  await h?.stop();
});

const LATER = new Date(NOW.getTime() + 60_000);

/** What the Cloopen simulator has received so far, to show that nothing more reached it. */
const cloopenRequests = () => h.simulators.cloopen.state.requests.length;
const cloopenNamed = (name: string) =>
  h.simulators.cloopen.state.accounts.filter((a) => a.friendlyName === name);

describe('processMessage on a malformed message', () => {
  it('rejects a body that names its account and files the reasons in that account history', async () => {
    // Prepare
    const ids = h.ids('malformed');
    const key: AccountKey = { platform: 'cloopen', tenantId: ids.tenantId };
    const body = { ...cloopenCreateInput(ids), profile: { friendlyName: 42 } };
    const message = delivery(body, { messageId: `m-${ids.requestId}` });
    const before = cloopenRequests();

    // Act
    const outcome = await processMessage(message, h.deps);

    // Assess
    expect(outcome).toMatchObject({ kind: 'rejected', requestId: ids.requestId, reason: 'invalid-request' });
    const history = await h.ledger.getHistory(key);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      messageId: message.messageId,
      requestId: ids.requestId,
      status: 'rejected',
      error: { reason: 'invalid-request', retryable: false },
      receivedAt: NOW.toISOString(),
      finishedAt: NOW.toISOString(),
    });
    expect(history[0]?.issues).toEqual([expect.stringMatching(/^profile\.friendlyName: /)]);
    expect(history[0]?.events.map((e) => e.kind)).toEqual(['rejected']);
    expect(await h.ledger.getAccount(key)).toBeUndefined();
    expect(cloopenRequests()).toBe(before);
  });

  it('files a body that is not JSON under the day of its receipt, without quoting it', async () => {
    // Prepare
    const message = delivery('{"password": "Hunter2-secret"', { messageId: 'm-not-json' });

    // Act
    const outcome = await processMessage(message, h.deps);

    // Assess
    expect(outcome).toMatchObject({ kind: 'rejected', reason: 'invalid-request' });
    const day = NOW.toISOString().slice(0, 10);
    const rejected = await h.ledger.listUnattributedRejections(day);
    const entry = rejected.find((r) => r.messageId === 'm-not-json');
    expect(entry).toMatchObject({ status: 'rejected', issues: ['body: not valid JSON'] });
    expect(JSON.stringify(entry)).not.toContain('Hunter2-secret');
  });
});

describe('processMessage on a request it has seen before', () => {
  it('answers a second delivery of a finished request as a duplicate and calls no platform', async () => {
    // Prepare
    const ids = h.ids('dup');
    const key: AccountKey = { platform: 'cloopen', tenantId: ids.tenantId };
    const input = cloopenCreateInput(ids);
    const first = await processMessage(delivery(input, { messageId: 'm-dup-1' }), h.deps);
    const before = cloopenRequests();

    // Act
    const second = await processMessage(delivery(input, { messageId: 'm-dup-2' }), h.at(LATER));

    // Assess
    expect(first).toMatchObject({ kind: 'applied', result: 'created' });
    expect(second).toEqual({
      kind: 'duplicate',
      requestId: ids.requestId,
      platform: 'cloopen',
      action: 'create',
      status: 'succeeded',
      result: 'created',
    });
    expect(cloopenRequests()).toBe(before);
    expect(cloopenNamed(`${ids.tenantId}@example.com`)).toHaveLength(1);
    const history = await h.ledger.getHistory(key);
    expect(history).toHaveLength(1);
    expect(history[0]?.events.map((e) => e.kind)).toEqual(['received', 'succeeded', 'duplicate']);
    expect(history[0]?.events.at(-1)?.detail).toMatch(/m-dup-2.*already succeeded; nothing done/);
  });

  it('rejects a requestId reused for another action on a record of its own, leaving the account as it was', async () => {
    // Prepare
    const ids = h.ids('reuse');
    const key: AccountKey = { platform: 'cloopen', tenantId: ids.tenantId };
    await processMessage(delivery(cloopenCreateInput(ids)), h.deps);
    const created = await h.account(key);
    const before = cloopenRequests();
    const close = delivery(lifecycleInput(key, ids.requestId, 'close'), { messageId: 'm-reuse-close' });

    // Act
    const outcome = await processMessage(close, h.at(LATER));

    // Assess
    expect(outcome).toMatchObject({
      kind: 'rejected',
      requestId: ids.requestId,
      reason: 'request-id-reused',
    });
    const history = await h.ledger.getHistory(key);
    expect(history).toHaveLength(2);
    expect(history.find((e) => e.messageId === 'm-reuse-close')).toMatchObject({
      action: 'close',
      status: 'rejected',
      error: { reason: 'request-id-reused', retryable: false },
    });
    expect(history.find((e) => e.action === 'create')).toMatchObject({
      status: 'succeeded',
      result: 'created',
    });
    expect(await h.account(key)).toEqual(created);
    expect(cloopenRequests()).toBe(before);
    const onPlatform = h.simulators.cloopen.state.accounts.find(
      (a) => a.subAccountSid === created.subAccountId,
    );
    expect(onPlatform?.status).toBe('active');
  });

  it('rejects a requestId reused with another payload for the same action', async () => {
    // Prepare
    const ids = h.ids('reuse2');
    await processMessage(delivery(cloopenCreateInput(ids)), h.deps);
    const other = cloopenCreateInput(ids, { friendlyName: `${ids.tenantId}-other@example.com` });

    // Act
    const outcome = await processMessage(delivery(other), h.at(LATER));

    // Assess
    expect(outcome).toMatchObject({ kind: 'rejected', reason: 'request-id-reused' });
    expect(cloopenNamed(`${ids.tenantId}-other@example.com`)).toHaveLength(0);
  });

  it('only concludes a request whose effect is already on the account, without calling the platform', async () => {
    // Prepare: the effect was committed (account saved) but the request was never concluded.
    const ids = h.ids('recover');
    const key: AccountKey = { platform: 'cloopen', tenantId: ids.tenantId };
    const input = cloopenCreateInput(ids);
    await runCreate(validRequest(input), undefined, h.deps, clockOf(h.deps));
    const committed = await h.account(key);
    const before = cloopenRequests();

    // Act
    const outcome = await processMessage(delivery(input), h.at(LATER));

    // Assess
    expect(outcome).toEqual({
      kind: 'applied',
      requestId: ids.requestId,
      platform: 'cloopen',
      action: 'create',
      result: 'recovered',
    });
    expect(cloopenRequests()).toBe(before);
    expect(await h.account(key)).toEqual(committed);
    const [entry] = await h.ledger.getHistory(key);
    expect(entry).toMatchObject({
      status: 'succeeded',
      result: 'recovered',
      finishedAt: LATER.toISOString(),
    });
  });
});

describe('processMessage after a crash between its two writes', () => {
  it('applies again, without a second create, a request whose conclusion landed but whose account did not', async () => {
    // Prepare: the create succeeded and concluded, but the account beside the conclusion was lost.
    const ids = h.ids('lostacct');
    const key: AccountKey = { platform: 'baijiayun', tenantId: ids.tenantId };
    const mobile = h.mobile();
    const input = baijiayunCreateInput(ids, mobile);
    await processMessage(delivery(input, { messageId: 'm-lost' }), h.deps);
    const concluded = await h.ledger.readRequest(key, ids.requestId);
    await h.db.client.send(
      new DeleteItemCommand({
        TableName: h.tableName,
        Key: { pk: { S: `ACCOUNT#baijiayun#${ids.tenantId}` }, sk: { S: 'STATE' } },
      }),
    );
    const creates = () =>
      h.simulators.baijiayun.calls.filter(
        (c) => c.operation === 'addSubAccount' && c.fields.mobile === mobile,
      );
    const createsBefore = creates().length;

    // Act
    const outcome = await processMessage(
      delivery(input, { messageId: 'm-lost', receiveCount: 2 }),
      h.at(LATER),
    );

    // Assess
    expect(concluded.request).toMatchObject({ status: 'succeeded', accountVersion: 1 });
    expect(outcome).toMatchObject({ kind: 'applied', result: 'adopted' });
    expect(creates()).toHaveLength(createsBefore);
    expect(await h.account(key)).toMatchObject({ state: 'active', version: 1, lastRequestId: ids.requestId });
    const [entry] = await h.ledger.getHistory(key);
    expect(entry?.events.map((e) => e.kind)).toEqual(['received', 'succeeded', 'redelivered', 'succeeded']);
  });

  it('notes a redelivery that finds no history as redelivered, and looks before it creates', async () => {
    // Prepare: the first delivery claimed the name and created the sub-account, then died unrecorded.
    const ids = h.ids('unrecorded');
    const key: AccountKey = { platform: 'cloopen', tenantId: ids.tenantId };
    const input = cloopenCreateInput(ids);
    h.simulators.cloopen.inject({ fault: { kind: 'drop-after-commit' }, operation: 'SubAccounts' });
    const request = validRequest(input);
    await rejection(runCreate(request, undefined, h.deps, clockOf(h.deps)));
    const sent = cloopenRequests();

    // Act
    const outcome = await processMessage(delivery(input, { receiveCount: 2 }), h.at(LATER));

    // Assess
    expect(outcome).toMatchObject({ kind: 'applied', result: 'adopted' });
    expect(cloopenNamed(`${ids.tenantId}@example.com`)).toHaveLength(1);
    expect(cloopenRequests()).toBeGreaterThan(sent);
    const [entry] = await h.ledger.getHistory(key);
    expect(entry?.events.map((e) => e.kind)).toEqual(['redelivered', 'succeeded']);
  });

  it('keeps the claim of a provisioned tenant through a duplicate create, and gives back one it did not need', async () => {
    // Prepare
    const ids = h.ids('keepclaim');
    const mobile = h.mobile();
    const other = h.mobile();
    const input = baijiayunCreateInput(ids, mobile);
    await processMessage(delivery(input), h.deps);

    // Act: the same create again (a duplicate), then a new create naming another mobile.
    const duplicate = await processMessage(
      delivery(input, { messageId: 'm-dup', receiveCount: 1 }),
      h.at(LATER),
    );
    const second = await processMessage(
      delivery(baijiayunCreateInput({ ...ids, requestId: `${ids.requestId}-2` }, other)),
      h.at(LATER),
    );

    // Assess
    expect(duplicate).toMatchObject({ kind: 'duplicate', status: 'succeeded' });
    expect(second).toMatchObject({ kind: 'applied', result: 'already-provisioned' });
    expect((await h.ledger.claimNaturalKey('baijiayun', mobile, 'someone_else')).holder).toBe(ids.tenantId);
    expect((await h.ledger.claimNaturalKey('baijiayun', other, 'someone_else')).holder).toBe('someone_else');
  });
});

describe('processMessage on a retryable failure', () => {
  it('throws RetryLaterError and records the failed attempt, leaving the request in progress', async () => {
    // Prepare
    const ids = h.ids('flaky');
    const key: AccountKey = { platform: 'cloopen', tenantId: ids.tenantId };
    h.simulators.cloopen.inject({ fault: { kind: 'http-error', status: 503 }, operation: 'SubAccounts' });

    // Act
    const error = await rejection(processMessage(delivery(cloopenCreateInput(ids)), h.deps));

    // Assess
    expect(error).toBeInstanceOf(RetryLaterError);
    expect(error).toMatchObject({ requestId: ids.requestId, retryable: true });
    const [entry] = await h.ledger.getHistory(key);
    expect(entry?.status).toBe('in-progress');
    expect(entry?.events.map((e) => e.kind)).toEqual(['received', 'attempt-failed']);
    expect(entry?.events[1]).toMatchObject({
      detail: `delivery 1 of ${MAX_RECEIVE_COUNT} failed; will retry`,
      error: { reason: 'server', code: 'HTTP 503', retryable: true },
    });
    expect(await h.ledger.getAccount(key)).toMatchObject({
      state: 'pending',
      pendingRequestId: ids.requestId,
    });
  });

  it('says the message moves to the dead-letter queue when the last delivery fails', async () => {
    // Prepare
    const ids = h.ids('dlq');
    const key: AccountKey = { platform: 'baijiayun', tenantId: ids.tenantId };
    h.simulators.baijiayun.inject({ fault: { kind: 'http-error', status: 502 }, operation: 'addSubAccount' });
    const message = delivery(baijiayunCreateInput(ids, h.mobile()), { receiveCount: MAX_RECEIVE_COUNT });

    // Act
    const error = await rejection(processMessage(message, h.deps));

    // Assess
    expect(error).toBeInstanceOf(RetryLaterError);
    const [entry] = await h.ledger.getHistory(key);
    expect(entry?.status).toBe('in-progress');
    expect(entry?.events.at(-1)).toMatchObject({
      kind: 'attempt-failed',
      detail: `delivery ${MAX_RECEIVE_COUNT} of ${MAX_RECEIVE_COUNT} failed; the message moves to the dead-letter queue`,
    });
  });

  it('applies the redelivery after a retryable failure and notes it as redelivered', async () => {
    // Prepare
    const ids = h.ids('again');
    const key: AccountKey = { platform: 'cloopen', tenantId: ids.tenantId };
    const input = cloopenCreateInput(ids);
    h.simulators.cloopen.inject({ fault: { kind: 'http-error', status: 503 }, operation: 'SubAccounts' });
    await rejection(processMessage(delivery(input, { messageId: 'm-again' }), h.deps));

    // Act
    const outcome = await processMessage(
      delivery(input, { messageId: 'm-again', receiveCount: 2 }),
      h.at(LATER),
    );

    // Assess
    expect(outcome).toEqual({
      kind: 'applied',
      requestId: ids.requestId,
      platform: 'cloopen',
      action: 'create',
      result: 'created',
    });
    const [entry] = await h.ledger.getHistory(key);
    expect(entry?.status).toBe('succeeded');
    expect(entry?.events.map((e) => e.kind)).toEqual([
      'received',
      'attempt-failed',
      'redelivered',
      'succeeded',
    ]);
    expect(cloopenNamed(`${ids.tenantId}@example.com`)).toHaveLength(1);
  });

  it('makes a follow-up wait, retryably, behind a create that has not finished', async () => {
    // Prepare
    const ids = h.ids('behind');
    const key: AccountKey = { platform: 'baijiayun', tenantId: ids.tenantId };
    h.simulators.baijiayun.inject({ fault: { kind: 'http-error', status: 502 }, operation: 'addSubAccount' });
    await rejection(processMessage(delivery(baijiayunCreateInput(ids, h.mobile())), h.deps));

    // Act
    const error = await rejection(
      processMessage(delivery(lifecycleInput(key, `${ids.requestId}-s`, 'suspend')), h.at(LATER)),
    );

    // Assess
    expect(error).toBeInstanceOf(RetryLaterError);
    const suspend = (await h.ledger.getHistory(key)).find((e) => e.requestId === `${ids.requestId}-s`);
    expect(suspend?.status).toBe('in-progress');
    expect(suspend?.events.at(-1)?.error).toMatchObject({ reason: 'waiting-for-create', retryable: true });
  });
});

describe('processMessage on a permanent failure', () => {
  it('concludes a create failed, writes lastError on the account and frees the natural key', async () => {
    // Prepare: an app the platform does not know (111181) is refused for good.
    const ids = h.ids('perm');
    const key: AccountKey = { platform: 'cloopen', tenantId: ids.tenantId };
    const name = `${ids.tenantId}@example.com`;
    const input = cloopenCreateInput(ids, { appId: 'f'.repeat(32) });

    // Act
    const outcome = await processMessage(delivery(input), h.deps);

    // Assess
    expect(outcome).toMatchObject({ kind: 'failed', requestId: ids.requestId, reason: 'account-state' });
    const account = await h.ledger.getAccount(key);
    expect(account).toMatchObject({
      state: 'failed',
      lastError: { reason: 'account-state', code: '111181', retryable: false },
    });
    expect(account?.pendingRequestId).toBeUndefined();
    const [entry] = await h.ledger.getHistory(key);
    expect(entry).toMatchObject({ status: 'failed', error: { code: '111181' } });
    expect(entry?.events.map((e) => e.kind)).toEqual(['received', 'failed']);
    expect((await h.ledger.claimNaturalKey('cloopen', name, 'someone_else')).holder).toBe('someone_else');
    expect(cloopenNamed(name)).toHaveLength(0);
  });

  it('writes a permanent failure of a follow-up on the account without changing its state', async () => {
    // Prepare
    const ids = h.ids('permfollow');
    const key: AccountKey = { platform: 'baijiayun', tenantId: ids.tenantId };
    await processMessage(delivery(baijiayunCreateInput(ids, h.mobile())), h.deps);
    const created = await h.account(key);
    h.simulators.baijiayun.inject({
      fault: { kind: 'vendor-error', code: '2003' },
      operation: 'setAccountStatus',
    });

    // Act
    const outcome = await processMessage(
      delivery(lifecycleInput(key, `${ids.requestId}-s`, 'suspend')),
      h.at(LATER),
    );

    // Assess
    expect(outcome).toMatchObject({ kind: 'failed', reason: 'account-state' });
    const account = await h.account(key);
    expect(account).toMatchObject({
      state: 'active',
      version: created.version + 1,
      lastRequestId: ids.requestId,
      lastError: { reason: 'account-state', code: '2003', retryable: false },
    });
    expect(h.simulators.baijiayun.state.byId(created.subAccountId)?.enabled).toBe(true);
  });

  it('rejects a follow-up for a tenant that was never provisioned as not-provisioned', async () => {
    // Prepare
    const ids = h.ids('nobody');
    const key: AccountKey = { platform: 'cloopen', tenantId: ids.tenantId };

    // Act
    const outcome = await processMessage(delivery(lifecycleInput(key, ids.requestId, 'close')), h.deps);

    // Assess
    expect(outcome).toMatchObject({ kind: 'rejected', reason: 'not-provisioned' });
    const [entry] = await h.ledger.getHistory(key);
    expect(entry).toMatchObject({
      status: 'rejected',
      error: { reason: 'not-provisioned', retryable: false },
    });
    expect(await h.ledger.getAccount(key)).toBeUndefined();
  });
});
