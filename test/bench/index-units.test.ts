import { describe, expect, it } from 'vitest';
import {
  entryUnits,
  indexEntry,
  indexWrite,
  type TableShape,
  tableShape,
  tableWriteUnits,
  writeCost,
} from '../../bench/index-units.ts';
import type { WireItem } from '../../bench/item-size.ts';
import { ledgerTableDefinition } from '../../shared/ledger/table.ts';

const shape: TableShape = {
  keys: ['pk', 'sk'],
  indexes: [
    { name: 'all', keys: ['g1pk', 'g1sk'], projection: 'ALL', include: [] },
    { name: 'keys', keys: ['g2pk'], projection: 'KEYS_ONLY', include: [] },
    { name: 'some', keys: ['g3pk', 'exp'], projection: 'INCLUDE', include: ['state'] },
  ],
};
const base: WireItem = { pk: { S: 'A' }, sk: { S: 'S' }, state: { S: 'active' }, note: { S: 'n' } };
const [all, keysOnly, some] = shape.indexes;
if (!all || !keysOnly || !some) throw new Error('shape');

describe('index-unit model', () => {
  it('reads the index definitions of a CreateTable request, such as the ledger table', () => {
    const ledger = tableShape(ledgerTableDefinition('t'));
    expect(ledger.keys).toEqual(['pk', 'sk']);
    expect(ledger.indexes.map((i) => i.projection)).toEqual(['KEYS_ONLY']);
    expect(ledger.indexes[0]?.keys).toEqual(['gsi1pk', 'gsi1sk']);
  });

  it('puts an item in an index only when it has every index key (sparse indexes)', () => {
    expect(indexEntry(base, all, shape.keys)).toBeUndefined();
    expect(indexEntry({ ...base, g1pk: { S: 'x' } }, all, shape.keys)).toBeUndefined();
    expect(indexEntry({ ...base, g1pk: { S: 'x' }, g1sk: { S: 'y' } }, all, shape.keys)).toBeDefined();
  });

  it('projects keys only, or the included attributes, plus table and index keys', () => {
    const item = { ...base, g2pk: { S: 'k' }, g3pk: { S: 'p' }, exp: { S: '2026' } };
    expect(Object.keys(indexEntry(item, keysOnly, shape.keys) ?? {}).sort()).toEqual(['g2pk', 'pk', 'sk']);
    expect(Object.keys(indexEntry(item, some, shape.keys) ?? {}).sort()).toEqual([
      'exp',
      'g3pk',
      'pk',
      'sk',
      'state',
    ]);
  });

  it('charges 1 to enter, 2 to change a key, 1 to leave, 1 for a projected change, 0 otherwise', () => {
    const inAll = { ...base, g1pk: { S: 'p#active' }, g1sk: { S: 't' } };
    expect(indexWrite(undefined, inAll, all, shape.keys)).toEqual({ change: 'enter', units: 1 });
    expect(indexWrite(inAll, { ...inAll, g1pk: { S: 'p#suspended' } }, all, shape.keys)).toEqual({
      change: 'move',
      units: 2,
    });
    expect(indexWrite(inAll, base, all, shape.keys)).toEqual({ change: 'leave', units: 1 });
    expect(indexWrite(inAll, undefined, all, shape.keys)).toEqual({ change: 'leave', units: 1 });
    expect(indexWrite(inAll, { ...inAll, note: { S: 'changed' } }, all, shape.keys)).toEqual({
      change: 'refresh',
      units: 1,
    });
    expect(indexWrite(inAll, inAll, all, shape.keys)).toEqual({ change: 'none', units: 0 });
    expect(indexWrite(base, { ...base, note: { S: 'x' } }, all, shape.keys)).toEqual({
      change: 'none',
      units: 0,
    });
  });

  it('ignores changes to attributes the index does not project', () => {
    const inSome = { ...base, g3pk: { S: 'p' }, exp: { S: '2026' } };
    expect(indexWrite(inSome, { ...inSome, note: { S: 'other' } }, some, shape.keys).units).toBe(0);
    expect(indexWrite(inSome, { ...inSome, state: { S: 'suspended' } }, some, shape.keys).units).toBe(1);
  });

  it('charges per started KB of an entry, counting 100 bytes of overhead', () => {
    expect(entryUnits({ a: { S: 'x'.repeat(923) } })).toBe(1);
    expect(entryUnits({ a: { S: 'x'.repeat(924) } })).toBe(2);
  });

  it('charges the table for the larger image, and 1 for a failed conditional write', () => {
    const big = { ...base, blob: { S: 'x'.repeat(1500) } };
    expect(tableWriteUnits(big, base)).toBe(2);
    expect(tableWriteUnits(undefined, base)).toBe(1);
    expect(writeCost({ before: big, after: big, failed: true }, shape)).toMatchObject({
      table: 1,
      index: 0,
      total: 1,
    });
  });

  it('adds table and index units of a write', () => {
    const after = { ...base, g1pk: { S: 'x' }, g1sk: { S: 'y' }, g2pk: { S: 'k' } };
    const cost = writeCost({ before: undefined, after, failed: false }, shape);
    expect(cost).toEqual({ table: 1, index: 2, byIndex: { all: 1, keys: 1, some: 0 }, total: 3 });
  });
});
