import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalCipher, generateLocalKey } from '../../../shared/crypto/index.ts';
import { ConcurrentUpdateError, DependencyUnavailableError } from '../../../shared/domain/errors.ts';
import {
  type CapacityKind,
  createDynamoDbLedger,
  createLedgerTable,
  type DynamoDbLedgerOptions,
  LEDGER_INDEX,
  LedgerRequestNotFoundError,
  LedgerTableMismatchError,
  LedgerUsageError,
  TYPICAL_WRITE_UNITS,
} from '../../../shared/ledger/index.ts';
import { platformNames } from '../../../shared/platforms/registry.ts';
import type { AccountKey, AccountRecord, Ledger, RequestOpening } from '../../../shared/ports/ledger.ts';
import { Secret } from '../../../shared/secret.ts';
import { type DynaliteHandle, startDynalite } from '../../support/dynalite.ts';

let db: DynaliteHandle;

beforeAll(async () => {
  db = await startDynalite();
});

afterAll(async () => {
  await db.stop();
});

/** A ledger on a table of its own, so tests never see each other's items. */
async function freshLedger(
  options: Partial<DynamoDbLedgerOptions> = {},
): Promise<{ ledger: Ledger; tableName: string }> {
  const tableName = `ledger-${randomUUID()}`;
  await createLedgerTable(db.client, tableName);
  return {
    ledger: createDynamoDbLedger({
      client: db.client,
      tableName,
      ...options,
      platforms: options.platforms ?? platformNames,
    }),
    tableName,
  };
}

const T0 = '2027-03-01T10:00:00.000Z';
const T1 = '2027-03-01T10:00:01.000Z';
const T2 = '2027-03-01T10:00:02.000Z';

const cloopenKey: AccountKey = { platform: 'cloopen', tenantId: 'tenant-1' };

function pendingRecord(key: AccountKey = cloopenKey, extra: Partial<AccountRecord> = {}): AccountRecord {
  return {
    ...key,
    state: 'pending',
    version: 1,
    naturalKey: `${key.tenantId}@example.com`,
    pendingRequestId: 'req-1',
    createdAt: T0,
    updatedAt: T0,
    ...extra,
  };
}

function opening(requestId: string, receivedAt = T0): RequestOpening {
  return {
    requestId,
    messageId: `msg-${requestId}`,
    platform: 'cloopen',
    tenantId: 'tenant-1',
    action: 'create',
    receivedAt,
  };
}

function activeRecord(extra: Partial<AccountRecord> = {}): AccountRecord {
  return {
    ...cloopenKey,
    state: 'active',
    version: 1,
    subAccountId: 'sub-1',
    naturalKey: 'tenant-1@example.com',
    lastRequestId: 'req-1',
    createdAt: T0,
    updatedAt: T0,
    ...extra,
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('createLedgerTable', () => {
  it('creates an on-demand table with its keys-only index, and does nothing more when it already exists', async () => {
    // Prepare
    const tableName = `ledger-${randomUUID()}`;
    await createLedgerTable(db.client, tableName);

    // Act
    await createLedgerTable(db.client, tableName);

    // Assess
    const { Table } = await db.client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(
      Table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.Projection?.ProjectionType]),
    ).toEqual([[LEDGER_INDEX.indexName, 'KEYS_ONLY']]);
  });

  it('refuses to adopt an existing table with other keys', async () => {
    // Prepare
    const tableName = `other-${randomUUID()}`;
    await db.client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );

    // Act
    const error = await rejection(createLedgerTable(db.client, tableName));

    // Assess
    expect(error).toBeInstanceOf(LedgerTableMismatchError);
  });
});

describe('DynamoDB ledger accounts', () => {
  it('stores a new record and reads it back without key attributes', async () => {
    // Prepare
    const { ledger, tableName } = await freshLedger();
    const record = pendingRecord();

    // Act
    await ledger.createAccount(record);
    const read = await ledger.getAccount(cloopenKey);

    // Assess
    expect(read).toEqual(record);
    const raw = await db.client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: 'ACCOUNT#cloopen#tenant-1' }, sk: { S: 'STATE' } },
      }),
    );
    expect(raw.Item?.gsi1pk).toEqual({ S: 'cloopen#pending' });
    // No expiry: sorted after every instant, so never due.
    expect(raw.Item?.gsi1sk).toEqual({ S: '~#tenant-1' });
  });

  it('answers undefined for an account it has never seen', async () => {
    // Prepare
    const { ledger } = await freshLedger();

    // Act
    const read = await ledger.getAccount({ platform: 'baijiayun', tenantId: 'nobody' });

    // Assess
    expect(read).toBeUndefined();
  });

  it('refuses to create an account that exists, with a ConcurrentUpdateError', async () => {
    // Prepare
    const { ledger } = await freshLedger();
    await ledger.createAccount(pendingRecord());

    // Act
    const error = await rejection(ledger.createAccount(pendingRecord(cloopenKey, { naturalKey: 'other' })));

    // Assess
    expect(error).toBeInstanceOf(ConcurrentUpdateError);
    expect((await ledger.getAccount(cloopenKey))?.naturalKey).toBe('tenant-1@example.com');
  });

  it('refuses a new record whose version is not 1', async () => {
    // Prepare
    const { ledger } = await freshLedger();

    // Act
    const error = await rejection(ledger.createAccount(pendingRecord(cloopenKey, { version: 2 })));

    // Assess
    expect(error).toBeInstanceOf(LedgerUsageError);
    expect(await ledger.getAccount(cloopenKey)).toBeUndefined();
  });

  it('saves the next version, and refuses a save based on a stale version', async () => {
    // Prepare
    const { ledger } = await freshLedger();
    const created = pendingRecord();
    await ledger.createAccount(created);
    const active: AccountRecord = {
      ...created,
      state: 'active',
      version: 2,
      subAccountId: 'sub-1',
      updatedAt: T1,
    };
    const racing: AccountRecord = { ...created, state: 'failed', version: 2, updatedAt: T2 };

    // Act
    await ledger.saveAccount(active);
    const error = await rejection(ledger.saveAccount(racing));

    // Assess
    expect(error).toBeInstanceOf(ConcurrentUpdateError);
    expect(await ledger.getAccount(cloopenKey)).toEqual(active);
  });

  it('refuses to save an account that was never created', async () => {
    // Prepare
    const { ledger } = await freshLedger();

    // Act
    const error = await rejection(ledger.saveAccount(pendingRecord(cloopenKey, { version: 2 })));

    // Assess
    expect(error).toBeInstanceOf(ConcurrentUpdateError);
  });

  it('stores no undefined values, at any depth, and a save drops fields the new record leaves out', async () => {
    // Prepare: a document client without removeUndefinedValues, the strictest a caller could hand over.
    const tableName = `ledger-${randomUUID()}`;
    await createLedgerTable(db.client, tableName);
    const ledger = createDynamoDbLedger({
      client: DynamoDBDocumentClient.from(db.createClient()),
      tableName,
      platforms: platformNames,
    });
    const created = pendingRecord(cloopenKey, {
      lastError: { reason: 'timeout', message: 'no answer', code: undefined, retryable: true },
      profile: { friendlyName: 'a@example.com', appId: undefined, nested: { keep: 1, drop: undefined } },
      expiresAt: undefined,
    });

    // Act
    await ledger.createAccount(created);
    const first = await ledger.getAccount(cloopenKey);
    await ledger.saveAccount({ ...created, version: 2, lastError: undefined, pendingRequestId: undefined });
    const second = await ledger.getAccount(cloopenKey);

    // Assess
    expect(first?.lastError).toEqual({ reason: 'timeout', message: 'no answer', retryable: true });
    expect(first?.profile).toEqual({ friendlyName: 'a@example.com', nested: { keep: 1 } });
    expect(first !== undefined && 'expiresAt' in first).toBe(false);
    expect(second !== undefined && 'lastError' in second).toBe(false);
    expect(second !== undefined && 'pendingRequestId' in second).toBe(false);
    expect(second?.version).toBe(2);
  });
});

describe('DynamoDB ledger request history', () => {
  it('reads the account and a request together, and neither when there is none', async () => {
    // Prepare
    const { ledger } = await freshLedger();
    const empty = await ledger.readRequest(cloopenKey, 'req-1');
    await ledger.commitRequest(cloopenKey, {
      opening: opening('req-1'),
      events: [{ at: T0, kind: 'received' }],
      account: activeRecord(),
      conclusion: {
        status: 'succeeded',
        result: 'created',
        finishedAt: T1,
        event: { at: T1, kind: 'succeeded' },
      },
    });

    // Act
    const view = await ledger.readRequest(cloopenKey, 'req-1');
    const other = await ledger.readRequest(cloopenKey, 'req-2');

    // Assess
    expect(empty).toEqual({ account: undefined, request: undefined });
    expect(view.account).toEqual(activeRecord());
    expect(view.request).toEqual({
      ...opening('req-1'),
      status: 'succeeded',
      result: 'created',
      finishedAt: T1,
      accountVersion: 1,
      events: [
        { at: T0, kind: 'received' },
        { at: T1, kind: 'succeeded' },
      ],
    });
    expect(other).toEqual({ account: activeRecord(), request: undefined });
  });

  it('records failed attempts, starting the history in progress, and concludes it with every event in order', async () => {
    // Prepare
    const { ledger } = await freshLedger();
    const error = { reason: 'conflict', code: '111150', message: 'name taken', retryable: false };
    await ledger.recordAttempt(cloopenKey, opening('req-1'), [
      { at: T0, kind: 'received' },
      { at: T0, kind: 'attempt-failed', error, detail: undefined },
    ]);
    // A later delivery's own opening does not replace the first one.
    await ledger.recordAttempt(cloopenKey, { ...opening('req-1', T1), messageId: 'msg-again' }, [
      { at: T1, kind: 'redelivered' },
    ]);
    const inProgress = (await ledger.readRequest(cloopenKey, 'req-1')).request;

    // Act
    await ledger.commitRequest(cloopenKey, {
      opening: { ...opening('req-1', T2), messageId: 'msg-third' },
      events: [{ at: T2, kind: 'redelivered' }],
      conclusion: { status: 'failed', error, finishedAt: T2, event: { at: T2, kind: 'failed', error } },
    });

    // Assess
    expect(inProgress).toMatchObject({ status: 'in-progress', messageId: 'msg-req-1', receivedAt: T0 });
    const [entry] = await ledger.getHistory(cloopenKey);
    expect(entry).toMatchObject({
      status: 'failed',
      error,
      finishedAt: T2,
      messageId: 'msg-req-1',
      receivedAt: T0,
    });
    expect(entry !== undefined && 'result' in entry).toBe(false);
    expect(entry?.events).toEqual([
      { at: T0, kind: 'received' },
      { at: T0, kind: 'attempt-failed', error },
      { at: T1, kind: 'redelivered' },
      { at: T2, kind: 'redelivered' },
      { at: T2, kind: 'failed', error },
    ]);
  });

  it('ignores a second conclusion of a finished request', async () => {
    // Prepare
    const { ledger } = await freshLedger();
    await ledger.commitRequest(cloopenKey, {
      opening: opening('req-1'),
      events: [{ at: T0, kind: 'received' }],
      conclusion: {
        status: 'succeeded',
        result: 'created',
        finishedAt: T1,
        event: { at: T1, kind: 'succeeded' },
      },
    });

    // Act
    await ledger.commitRequest(cloopenKey, {
      opening: opening('req-1', T2),
      events: [{ at: T2, kind: 'redelivered' }],
      conclusion: { status: 'failed', result: 'other', finishedAt: T2, event: { at: T2, kind: 'failed' } },
    });

    // Assess
    const [entry] = await ledger.getHistory(cloopenKey);
    expect(entry).toMatchObject({ status: 'succeeded', result: 'created', finishedAt: T1 });
    expect(entry?.events.map((event) => event.kind)).toEqual(['received', 'succeeded']);
  });

  it('concludes again, with the same account version, a request whose account write was lost', async () => {
    // Prepare: the conclusion landed but the account beside it did not (a crash between the two).
    const { ledger, tableName } = await freshLedger();
    await ledger.commitRequest(cloopenKey, {
      opening: opening('req-1'),
      events: [{ at: T0, kind: 'received' }],
      account: activeRecord(),
      conclusion: {
        status: 'succeeded',
        result: 'created',
        finishedAt: T1,
        event: { at: T1, kind: 'succeeded' },
      },
    });
    await db.client.send(
      new DeleteItemCommand({
        TableName: tableName,
        Key: { pk: { S: 'ACCOUNT#cloopen#tenant-1' }, sk: { S: 'STATE' } },
      }),
    );
    const lost = await ledger.readRequest(cloopenKey, 'req-1');

    // Act
    await ledger.commitRequest(cloopenKey, {
      redo: true,
      opening: opening('req-1', T2),
      events: [{ at: T2, kind: 'redelivered' }],
      account: activeRecord(),
      conclusion: {
        status: 'succeeded',
        result: 'adopted',
        finishedAt: T2,
        event: { at: T2, kind: 'succeeded' },
      },
    });

    // Assess
    expect(lost.account).toBeUndefined();
    expect(lost.request?.accountVersion).toBe(1);
    const view = await ledger.readRequest(cloopenKey, 'req-1');
    expect(view.account).toEqual(activeRecord());
    expect(view.request).toMatchObject({ status: 'succeeded', result: 'adopted', accountVersion: 1 });
    expect(view.request?.events.map((event) => event.kind)).toEqual([
      'received',
      'succeeded',
      'redelivered',
      'succeeded',
    ]);
  });

  it('never lets a stale delivery replace a conclusion, even one noting the same account version', async () => {
    // Prepare: a delivery read the request in progress and stalled; another delivery then concluded it.
    const { ledger } = await freshLedger();
    await ledger.createAccount({ ...activeRecord(), state: 'pending', subAccountId: undefined });
    await ledger.commitRequest(cloopenKey, {
      opening: opening('req-1'),
      events: [{ at: T1, kind: 'redelivered' }],
      account: activeRecord({ version: 2 }),
      conclusion: {
        status: 'succeeded',
        result: 'created',
        finishedAt: T1,
        event: { at: T1, kind: 'succeeded' },
      },
    });

    // Act: the stale delivery commits a failure computed from the pending record it read.
    const error = await rejection(
      ledger.commitRequest(cloopenKey, {
        opening: opening('req-1', T2),
        events: [{ at: T2, kind: 'redelivered' }],
        account: activeRecord({ version: 2, state: 'failed' }),
        conclusion: { status: 'failed', finishedAt: T2, event: { at: T2, kind: 'failed' } },
      }),
    );

    // Assess
    expect(error).toBeInstanceOf(ConcurrentUpdateError);
    const view = await ledger.readRequest(cloopenKey, 'req-1');
    expect(view.request).toMatchObject({ status: 'succeeded', result: 'created', accountVersion: 2 });
    expect(view.account?.state).toBe('active');
  });

  it('refuses a commit whose account was saved meanwhile, with a ConcurrentUpdateError', async () => {
    // Prepare
    const { ledger } = await freshLedger();
    await ledger.createAccount(activeRecord());

    // Act
    const error = await rejection(
      ledger.commitRequest(cloopenKey, {
        opening: opening('req-2'),
        events: [],
        account: activeRecord({ version: 1, state: 'suspended' }),
        conclusion: { status: 'succeeded', finishedAt: T1, event: { at: T1, kind: 'succeeded' } },
      }),
    );

    // Assess
    expect(error).toBeInstanceOf(ConcurrentUpdateError);
    expect((await ledger.getAccount(cloopenKey))?.state).toBe('active');
  });

  it('refuses events for a request that was never begun', async () => {
    // Prepare
    const { ledger } = await freshLedger();

    // Act
    const appended = await rejection(
      ledger.appendEvent(cloopenKey, 'ghost', { at: T1, kind: 'platform-call' }),
    );

    // Assess
    expect(appended).toBeInstanceOf(LedgerRequestNotFoundError);
    expect(await ledger.getHistory(cloopenKey)).toEqual([]);
  });

  it('returns the history oldest first across requests and rejections, through several pages', async () => {
    // Prepare: stored in another order than received; two share a receivedAt and sort by id.
    const { ledger } = await freshLedger({ pageSize: 2 });
    const attempt = (id: string, at: string) =>
      ledger.recordAttempt(cloopenKey, opening(id, at), [{ at, kind: 'received' }]);
    await attempt('req-c', '2027-03-01T10:00:05.000Z');
    await attempt('req-b', '2027-03-01T10:00:01.000Z');
    // Written with an offset: 18:00:03+08:00 is 10:00:03Z, between req-b and req-c.
    await attempt('req-d', '2027-03-01T18:00:03.000+08:00');
    await attempt('req-a', '2027-03-01T10:00:01.000Z');
    await ledger.recordRejection({
      messageId: 'm-1',
      platform: 'cloopen',
      tenantId: 'tenant-1',
      status: 'rejected',
      issues: ['action: unknown'],
      receivedAt: '2027-03-01T10:00:00.000Z',
      events: [{ at: '2027-03-01T10:00:00.000Z', kind: 'rejected' }],
    });
    await ledger.createAccount(pendingRecord());

    // Act
    const history = await ledger.getHistory(cloopenKey);

    // Assess
    expect(history.map((entry) => entry.requestId ?? entry.messageId)).toEqual([
      'm-1',
      'req-a',
      'req-b',
      'req-d',
      'req-c',
    ]);
  });
});

describe('DynamoDB ledger rejections', () => {
  it('files a rejection under its account when platform and tenant are valid', async () => {
    // Prepare
    const { ledger } = await freshLedger();

    // Act
    await ledger.recordRejection({
      messageId: 'm-1',
      platform: 'baijiayun',
      tenantId: 'tenant-9',
      status: 'rejected',
      issues: ['profile.mobile: must be 11 digits'],
      receivedAt: T0,
      events: [{ at: T0, kind: 'rejected' }],
    });

    // Assess
    const history = await ledger.getHistory({ platform: 'baijiayun', tenantId: 'tenant-9' });
    expect(history).toEqual([
      {
        messageId: 'm-1',
        platform: 'baijiayun',
        tenantId: 'tenant-9',
        status: 'rejected',
        issues: ['profile.mobile: must be 11 digits'],
        receivedAt: T0,
        events: [{ at: T0, kind: 'rejected' }],
      },
    ]);
    expect(await ledger.listUnattributedRejections('2027-03-01')).toEqual([]);
  });

  it('files rejections without a valid platform or tenant under the UTC day they were received', async () => {
    // Prepare: 07:30 at UTC+8 on 1 March is still 28 February in UTC.
    const { ledger } = await freshLedger();
    const base = { status: 'rejected' as const, events: [] };

    // Act
    await ledger.recordRejection({
      ...base,
      messageId: 'm-2',
      platform: 'zoom',
      tenantId: 't',
      receivedAt: T1,
    });
    await ledger.recordRejection({
      ...base,
      messageId: 'm-1',
      tenantId: 'has#hash',
      platform: 'cloopen',
      receivedAt: T0,
    });
    await ledger.recordRejection({ ...base, messageId: 'm-3', receivedAt: '2027-03-01T07:30:00+08:00' });

    // Assess
    const march = await ledger.listUnattributedRejections('2027-03-01');
    const february = await ledger.listUnattributedRejections('2027-02-28');
    expect(march.map((entry) => entry.messageId)).toEqual(['m-1', 'm-2']);
    expect(february.map((entry) => entry.messageId)).toEqual(['m-3']);
    expect(await ledger.getHistory({ platform: 'cloopen', tenantId: 'has#hash' })).toEqual([]);
  });

  it('keeps the first record when the same message is rejected again', async () => {
    // Prepare
    const { ledger } = await freshLedger();
    const entry = {
      messageId: 'm-1',
      status: 'rejected' as const,
      issues: ['first'],
      receivedAt: T0,
      events: [],
    };
    await ledger.recordRejection(entry);

    // Act
    await ledger.recordRejection({ ...entry, issues: ['second'], receivedAt: T1 });

    // Assess
    expect(await ledger.listUnattributedRejections('2027-03-01')).toEqual([entry]);
  });

  it('refuses a day that is not YYYY-MM-DD', async () => {
    // Prepare
    const { ledger } = await freshLedger();

    // Act
    const error = await rejection(ledger.listUnattributedRejections('2027-3-1'));

    // Assess
    expect(error).toBeInstanceOf(LedgerUsageError);
  });
});

describe('DynamoDB ledger listAccounts', () => {
  async function seeded(): Promise<Ledger> {
    // A page size of 2 with 3 active cloopen accounts forces every listing through several pages.
    const { ledger } = await freshLedger({ pageSize: 2 });
    const accounts: Array<[AccountKey['platform'], string, AccountRecord['state']]> = [
      ['cloopen', 'c-1', 'active'],
      ['cloopen', 'c-2', 'active'],
      ['cloopen', 'c-3', 'active'],
      ['cloopen', 'c-4', 'suspended'],
      ['cloopen', 'c-5', 'pending'],
      ['baijiayun', 'b-1', 'active'],
      ['baijiayun', 'b-2', 'closed'],
      ['baijiayun', 'b-3', 'failed'],
    ];
    for (const [platform, tenantId, state] of accounts) {
      await ledger.createAccount(pendingRecord({ platform, tenantId }, { state }));
      await ledger.recordAttempt(
        { platform, tenantId },
        { ...opening(`r-${tenantId}`), platform, tenantId },
        [],
      );
    }
    return ledger;
  }

  const names = (records: AccountRecord[]) => records.map((record) => record.tenantId).sort();

  it('lists every account, and only account records, when no filter is given', async () => {
    // Prepare
    const ledger = await seeded();

    // Act
    const all = await collect(ledger.listAccounts());

    // Assess
    expect(names(all)).toEqual(['b-1', 'b-2', 'b-3', 'c-1', 'c-2', 'c-3', 'c-4', 'c-5']);
    expect(all.every((record) => !('gsi1pk' in record) && !('pk' in record))).toBe(true);
  });

  it('filters by platform, by state, and by both', async () => {
    // Prepare
    const ledger = await seeded();

    // Act
    const cloopen = await collect(ledger.listAccounts({ platform: 'cloopen' }));
    const active = await collect(ledger.listAccounts({ state: 'active' }));
    const activeCloopen = await collect(ledger.listAccounts({ platform: 'cloopen', state: 'active' }));
    const closedCloopen = await collect(ledger.listAccounts({ platform: 'cloopen', state: 'closed' }));

    // Assess
    expect(names(cloopen)).toEqual(['c-1', 'c-2', 'c-3', 'c-4', 'c-5']);
    expect(names(active)).toEqual(['b-1', 'c-1', 'c-2', 'c-3']);
    expect(names(activeCloopen)).toEqual(['c-1', 'c-2', 'c-3']);
    expect(closedCloopen).toEqual([]);
  });

  it('moves an account between state listings when its state changes', async () => {
    // Prepare
    const ledger = await seeded();
    const record = await ledger.getAccount({ platform: 'cloopen', tenantId: 'c-5' });
    if (record === undefined) throw new Error('seeded account missing');

    // Act
    await ledger.saveAccount({ ...record, state: 'active', version: record.version + 1 });

    // Assess
    expect(names(await collect(ledger.listAccounts({ platform: 'cloopen', state: 'pending' })))).toEqual([]);
    expect(names(await collect(ledger.listAccounts({ platform: 'cloopen', state: 'active' })))).toEqual([
      'c-1',
      'c-2',
      'c-3',
      'c-5',
    ]);
  });
});

describe('DynamoDB ledger costs', () => {
  it('spends 3 table write units on a full Baijiayun create, one per item, the index adding the fourth', async () => {
    // Prepare
    const spent: Array<{ units: number; operation: string; kind: CapacityKind }> = [];
    const { ledger } = await freshLedger({
      onConsumedCapacity: (units, operation, kind) => spent.push({ units, operation, kind }),
    });
    const baijiayun: AccountKey = { platform: 'baijiayun', tenantId: 'tenant-0042' };
    const cipher = createLocalCipher({ keyId: 'local-2027-01', key: generateLocalKey() });
    const credentials = await cipher.seal(
      {
        password: new Secret('Pw-4f9a2c7e1b3d'),
        partnerKey: new Secret(
          'rLkIPaQjxSwRQmC/ITnHh8i2rifmmbFIVsYw03SSi24zAnkrAd0ZNb2rcTzI2avy7+AmNJDdLmzU89zKUAP3Xg==',
        ),
        secretKey: new Secret('b2c4e6a8d0f1357924680ace13579bdf'),
      },
      { platform: 'baijiayun', tenantId: 'tenant-0042' },
    );
    const requestId = 'signup-2027-03-01-0042';

    // Act: the two round trips of a create, as the use case makes them.
    await Promise.all([
      ledger.readRequest(baijiayun, requestId),
      ledger.claimNaturalKey('baijiayun', '13800138000', baijiayun.tenantId, requestId),
    ]);
    await ledger.commitRequest(baijiayun, {
      opening: { ...opening(requestId), ...baijiayun, messageId: '5fea7756-0ea4-451a-a703-a558b933e274' },
      events: [
        { at: T0, kind: 'received', detail: 'delivery 1 (message 5fea7756-0ea4-451a-a703-a558b933e274)' },
      ],
      account: {
        ...baijiayun,
        state: 'active',
        version: 1,
        naturalKey: '13800138000',
        expiresAt: '2028-03-01T00:00:00.000Z',
        subAccountId: '87510563',
        credentials,
        profile: {
          mobile: '13800138000',
          email: 'ops@tenant-0042.example.com',
          company: 'Tenant 0042 Education Technology Co., Ltd.',
          contacts: 'Li Wei',
          effectTime: '2027-03-01T10:00:00.000Z',
          products: {
            largeClass: { enabled: true, userLimit: 200, maxUserLimit: 300, maxSpeakers: 6 },
            smallClass: { enabled: true },
            video: { enabled: true, flow: 100, maxFlow: 200, storageLimit: 50, maxStorageLimit: 100 },
          },
          creditMoney: 1000,
        },
        lastRequestId: requestId,
        createdAt: T1,
        updatedAt: T1,
      },
      conclusion: {
        status: 'succeeded',
        result: 'created',
        finishedAt: T2,
        event: { at: T2, kind: 'succeeded', detail: 'created: sub-account 87510563 (13800138000)' },
      },
    });

    // Assess
    const writes = spent.filter((entry) => entry.kind === 'write');
    expect(writes.map((entry) => [entry.operation, entry.units]).sort()).toEqual([
      ['claimNaturalKey', 1],
      ['commitRequest', 1],
      ['createAccount', 1],
    ]);
    expect(writes.reduce((sum, entry) => sum + entry.units, 0)).toBe(TYPICAL_WRITE_UNITS.create - 1);
    expect(spent.filter((entry) => entry.kind === 'read').map((entry) => entry.operation)).toEqual([
      'readRequest',
    ]);
  });
});

describe('DynamoDB ledger failures', () => {
  it('turns an unreachable DynamoDB into a retryable DependencyUnavailableError', async () => {
    // Prepare
    const port = await closedPort();
    const client = db.createClient({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 });
    const ledger = createDynamoDbLedger({ client, tableName: 'any', platforms: platformNames });

    // Act
    const read = await rejection(ledger.getAccount(cloopenKey));
    const write = await rejection(ledger.createAccount(pendingRecord()));
    client.destroy();

    // Assess
    expect(read).toBeInstanceOf(DependencyUnavailableError);
    expect((read as DependencyUnavailableError).retryable).toBe(true);
    expect((read as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
    expect(write).toBeInstanceOf(DependencyUnavailableError);
  });

  it.each([
    [400, 'ProvisionedThroughputExceededException'],
    [400, 'ThrottlingException'],
    [500, 'InternalServerError'],
  ])('turns an HTTP %i %s answer into a DependencyUnavailableError', async (status, type) => {
    // Prepare: a server that answers every call the way DynamoDB does when it refuses for load or fails.
    const server = createHttpServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(
          JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: 'slow down' }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = db.createClient({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 });
    const ledger = createDynamoDbLedger({ client, tableName: 'any', platforms: platformNames });

    // Act
    const error = await rejection(ledger.saveAccount(pendingRecord(cloopenKey, { version: 2 })));
    client.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));

    // Assess
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(((error as Error).cause as Error).name).toBe(type);
  });

  it('passes client errors such as a missing table through unchanged: they are bugs', async () => {
    // Prepare
    const ledger = createDynamoDbLedger({
      client: db.client,
      tableName: `missing-${randomUUID()}`,
      platforms: platformNames,
    });

    // Act
    const error = await rejection(ledger.getAccount(cloopenKey));

    // Assess
    expect(error).not.toBeInstanceOf(DependencyUnavailableError);
    expect((error as Error).name).toBe('ResourceNotFoundException');
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('natural-key claims', () => {
  it('give a key to the first tenant, again to it on a retry, and never to a second tenant', async () => {
    // Prepare
    const { ledger } = await freshLedger();

    // Act
    const first = await ledger.claimNaturalKey('cloopen', 'a&b@example.com', 'tenant_a');
    const again = await ledger.claimNaturalKey('cloopen', 'a&b@example.com', 'tenant_a');
    const other = await ledger.claimNaturalKey('cloopen', 'a&b@example.com', 'tenant_b');
    const otherPlatform = await ledger.claimNaturalKey('baijiayun', 'a&b@example.com', 'tenant_b');

    // Assess
    expect([first, again, other, otherPlatform]).toEqual([
      { holder: 'tenant_a', heldBefore: false },
      // Held before: a retry of its create looks the sub-account up before it makes one.
      { holder: 'tenant_a', heldBefore: true },
      { holder: 'tenant_a', heldBefore: false },
      { holder: 'tenant_b', heldBefore: false },
    ]);
  });

  it('are released only by their holder', async () => {
    // Prepare
    const { ledger } = await freshLedger();
    await ledger.claimNaturalKey('baijiayun', '13800000001', 'tenant_a');

    // Act
    await ledger.releaseNaturalKey('baijiayun', '13800000001', 'tenant_b');
    const afterStranger = await ledger.claimNaturalKey('baijiayun', '13800000001', 'tenant_b');
    await ledger.releaseNaturalKey('baijiayun', '13800000001', 'tenant_a');
    const afterHolder = await ledger.claimNaturalKey('baijiayun', '13800000001', 'tenant_b');

    // Assess
    expect(afterStranger.holder).toBe('tenant_a');
    expect(afterHolder).toEqual({ holder: 'tenant_b', heldBefore: false });
  });
});
