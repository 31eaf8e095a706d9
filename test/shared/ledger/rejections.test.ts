import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbLedger, createLedgerTable } from '../../../shared/ledger/index.ts';
import { platformNames } from '../../../shared/platforms/registry.ts';
import type { HistoryEntry } from '../../../shared/ports/ledger.ts';
import { type DynaliteHandle, startDynalite } from '../../support/dynalite.ts';

let db: DynaliteHandle;

beforeAll(async () => {
  db = await startDynalite();
});

afterAll(async () => {
  await db.stop();
});

async function freshLedger(rejectionTtlDays?: number) {
  const tableName = `rejections-${randomUUID()}`;
  await createLedgerTable(db.client, tableName);
  return createDynamoDbLedger({ client: db.client, tableName, platforms: platformNames, rejectionTtlDays });
}

function rejection(messageId: string, receivedAt: string, extra: Partial<HistoryEntry> = {}) {
  return {
    messageId,
    status: 'rejected' as const,
    error: {
      reason: 'invalid-request',
      message: 'Malformed request: body: not valid JSON',
      retryable: false,
    },
    issues: ['body: not valid JSON'],
    receivedAt,
    finishedAt: receivedAt,
    events: [{ at: receivedAt, kind: 'rejected' }],
    ...extra,
  };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('listRejections', () => {
  it('lists attributed and unattributed rejections of the days asked for, in the order received', async () => {
    // Prepare
    const ledger = await freshLedger();
    await ledger.recordRejection(rejection('m-2', '2027-03-02T09:00:00.000Z'));
    await ledger.recordRejection(
      rejection('m-1', '2027-03-01T23:59:00.000Z', {
        requestId: 'r-1',
        platform: 'cloopen',
        tenantId: 't-1',
      }),
    );
    await ledger.recordRejection(rejection('m-3', '2027-03-02T08:00:00.000Z'));
    await ledger.recordRejection(rejection('m-old', '2027-02-27T08:00:00.000Z'));

    // Act
    const listed = await collect(
      ledger.listRejections('2027-03-01', '2027-03-02', new Date('2027-03-03T00:00:00Z')),
    );

    // Assess
    expect(listed.map((r) => r.messageId)).toEqual(['m-1', 'm-3', 'm-2']);
    expect(listed[0]).toMatchObject({
      requestId: 'r-1',
      platform: 'cloopen',
      tenantId: 't-1',
      issues: ['body: not valid JSON'],
    });
    expect(listed[0]).not.toHaveProperty('ttl');
    expect(listed[0]).not.toHaveProperty('gsi1pk');
  });

  it('skips rejections past their retention, which DynamoDB deletes and the emulators keep', async () => {
    // Prepare
    const ledger = await freshLedger(10);
    await ledger.recordRejection(rejection('m-kept', '2027-03-01T10:00:00.000Z'));

    // Act
    const within = await collect(
      ledger.listRejections('2027-03-01', '2027-03-01', new Date('2027-03-10T00:00:00Z')),
    );
    const after = await collect(
      ledger.listRejections('2027-03-01', '2027-03-01', new Date('2027-03-12T00:00:00Z')),
    );

    // Assess
    expect(within).toHaveLength(1);
    expect(after).toEqual([]);
  });
});
