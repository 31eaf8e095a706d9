import { describe, expect, it } from 'vitest';
import type { RecordedCall } from '../../bench/dynamodb-recorder.ts';
import type { TableShape } from '../../bench/index-units.ts';
import { meanCost, requestCost } from '../../bench/request-cost.ts';

const shape: TableShape = {
  keys: ['pk', 'sk'],
  indexes: [{ name: 'byState', keys: ['gsi1pk'], projection: 'ALL', include: [] }],
};
const account = { pk: { S: 'A' }, sk: { S: 'STATE' }, gsi1pk: { S: 'p#active' } };
const call = (over: Partial<RecordedCall>): RecordedCall => ({
  command: 'PutItem',
  kind: 'write',
  start: 0,
  end: 1,
  writes: [],
  ...over,
});

describe('requestCost', () => {
  it('adds reported table units, modelled index units, read units and round trips', () => {
    const calls = [
      call({ command: 'GetItem', kind: 'read', start: 0, end: 1, capacityUnits: 1 }),
      call({
        start: 2,
        end: 3,
        capacityUnits: 1,
        writes: [{ before: undefined, after: account, failed: false }],
      }),
      call({
        command: 'UpdateItem',
        start: 2.5,
        end: 4,
        capacityUnits: 1,
        writes: [{ before: account, after: { ...account, gsi1pk: { S: 'p#suspended' } }, failed: false }],
      }),
    ];
    expect(requestCost(calls, shape)).toMatchObject({
      round_trips: 2,
      read_units: 1,
      table_write_units: 2,
      index_write_units: 3,
      write_units: 5,
      calls: 3,
      reads: 1,
      writes: 2,
      index_units_by_index: { byState: 3 },
    });
  });

  it('costs a failed conditional write at 1 unit, from the model when nothing was reported', () => {
    const failed = call({
      error: 'ConditionalCheckFailedException',
      writes: [{ before: account, after: account, failed: true }],
    });
    expect(requestCost([failed], shape)).toMatchObject({
      write_units: 1,
      failed_writes: 1,
      index_write_units: 0,
    });
  });

  it('averages costs field by field', () => {
    const one = requestCost(
      [call({ capacityUnits: 1, writes: [{ before: undefined, after: account, failed: false }] })],
      shape,
    );
    const two = requestCost([], shape);
    expect(meanCost([one, two])).toMatchObject({ write_units: 1, round_trips: 0.5 });
  });
});
