import { GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordDynamoDbCalls } from '../../bench/dynamodb-recorder.ts';
import { createLedgerTable } from '../../shared/ledger/index.ts';
import { type DynaliteHandle, startDynalite } from '../support/dynalite.ts';

let db: DynaliteHandle;
const TableName = 'recorder-test';

beforeAll(async () => {
  db = await startDynalite();
  await createLedgerTable(db.client, TableName);
});
afterAll(() => db.stop());

describe('recordDynamoDbCalls', () => {
  it('records commands, capacity and write images, from plain and document clients alike', async () => {
    // Prepare
    const client = db.createClient();
    const images = db.createClient();
    const recorder = recordDynamoDbCalls(client, { imageClient: images });
    const doc = DynamoDBDocumentClient.from(client);
    const Key = { pk: { S: 'A' }, sk: { S: 'STATE' } };

    // Act
    await doc.send(new PutCommand({ TableName, Item: { pk: 'A', sk: 'STATE', n: 1 } }));
    await client.send(
      new UpdateItemCommand({
        TableName,
        Key,
        UpdateExpression: 'SET n = :two',
        ExpressionAttributeValues: { ':two': { N: '2' } },
      }),
    );
    const refused = await client
      .send(new PutItemCommand({ TableName, Item: Key, ConditionExpression: 'attribute_not_exists(pk)' }))
      .catch((error: Error) => error.name);
    await client.send(new GetItemCommand({ TableName, Key, ConsistentRead: true }));
    const calls = recorder.take();

    // Assess
    expect(refused).toBe('ConditionalCheckFailedException');
    expect(calls.map((c) => [c.command, c.kind, c.capacityUnits, c.error])).toEqual([
      ['PutItem', 'write', 1, undefined],
      ['UpdateItem', 'write', 1, undefined],
      ['PutItem', 'write', undefined, 'ConditionalCheckFailedException'],
      ['GetItem', 'read', 1, undefined],
    ]);
    expect(calls[0]?.writes).toEqual([
      { before: undefined, after: { ...Key, n: { N: '1' } }, failed: false },
    ]);
    expect(calls[1]?.writes[0]?.after?.n).toEqual({ N: '2' });
    expect(calls[2]?.writes[0]?.failed).toBe(true);
    expect(recorder.calls).toHaveLength(0);
    client.destroy();
    images.destroy();
  });
});
