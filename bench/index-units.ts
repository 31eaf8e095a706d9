import { isDeepStrictEqual } from 'node:util';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { itemSize, type WireItem } from './item-size.ts';

/**
 * The index-unit model: what a write costs in a table's global secondary indexes. DynamoDB bills index
 * writes, but neither local emulator reports them (dynalite's `ConsumedCapacity` is the table's alone), so
 * the bench computes them from the item before and after the write and the index definitions, with the
 * rules of AWS's "Provisioned throughput considerations for global secondary indexes":
 *
 * - an item is in an index when it has every key attribute of the index (indexes are sparse);
 * - it enters the index (gains the keys): one put of its index entry;
 * - it changes an index key value: two writes, a delete of the old entry and a put of the new one;
 * - it leaves the index (loses a key, or is deleted): one delete of the old entry;
 * - it stays with the same key values but a projected attribute changes: one put;
 * - nothing projected changes, or it is in the index neither before nor after: nothing.
 *
 * Each put or delete costs ceil(entry size / 1 KB) units (1 for the ledger's small items), where an
 * entry is the projected attributes (ALL: every attribute; KEYS_ONLY: none; INCLUDE: the listed ones) plus
 * the table's and the index's key attributes, plus 100 bytes of overhead.
 *
 * The table's own units: ceil(max(size before, size after) / 1 KB), at least 1, since DynamoDB bills the
 * larger image of a write; a failed conditional write costs 1 unit and writes no index.
 *
 * Pure: images in, units out.
 *
 * @module
 */

/** DynamoDB's write unit: 1 KB. */
export const WRITE_UNIT_BYTES = 1024;
/** Bytes DynamoDB adds to every index entry. */
export const INDEX_ENTRY_OVERHEAD_BYTES = 100;

/** One global secondary index, as the model needs it. */
export interface IndexShape {
  readonly name: string;
  /** Its partition key, then its sort key when it has one. */
  readonly keys: readonly string[];
  readonly projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  /** The non-key attributes of an INCLUDE projection. */
  readonly include: readonly string[];
}

/** A table's key attributes and its global secondary indexes. */
export interface TableShape {
  readonly keys: readonly string[];
  readonly indexes: readonly IndexShape[];
}

/** The shape of a table from its CreateTable request (e.g. the ledger's `ledgerTableDefinition`). */
export function tableShape(definition: CreateTableCommandInput): TableShape {
  const names = (schema: { AttributeName?: string | undefined }[] | undefined) =>
    (schema ?? []).map((k) => k.AttributeName).filter((n): n is string => n !== undefined);
  return {
    keys: names(definition.KeySchema),
    indexes: (definition.GlobalSecondaryIndexes ?? []).map((index) => ({
      name: index.IndexName ?? '?',
      keys: names(index.KeySchema),
      projection: index.Projection?.ProjectionType ?? 'ALL',
      include: index.Projection?.NonKeyAttributes ?? [],
    })),
  };
}

/** The entry `item` has in `index` (projected attributes and every key), or `undefined` when not in it. */
export function indexEntry(
  item: WireItem | undefined,
  index: IndexShape,
  tableKeys: readonly string[],
): WireItem | undefined {
  if (item === undefined || index.keys.some((key) => item[key] === undefined)) return undefined;
  if (index.projection === 'ALL') return { ...item };
  const names = [...tableKeys, ...index.keys, ...(index.projection === 'INCLUDE' ? index.include : [])];
  const entry: WireItem = {};
  for (const name of names) {
    const value = item[name];
    if (value !== undefined) entry[name] = value;
  }
  return entry;
}

/** Units of one index put or delete of this entry: ceil((size + 100 B) / 1 KB). */
export function entryUnits(entry: WireItem): number {
  return Math.ceil((itemSize(entry) + INDEX_ENTRY_OVERHEAD_BYTES) / WRITE_UNIT_BYTES);
}

/** What a write does to one index, and its units. */
export type IndexChange = 'none' | 'enter' | 'leave' | 'move' | 'refresh';

/** The change a write from `before` to `after` makes to `index`, and what it costs. */
export function indexWrite(
  before: WireItem | undefined,
  after: WireItem | undefined,
  index: IndexShape,
  tableKeys: readonly string[],
): { readonly change: IndexChange; readonly units: number } {
  const old = indexEntry(before, index, tableKeys);
  const next = indexEntry(after, index, tableKeys);
  if (old === undefined && next === undefined) return { change: 'none', units: 0 };
  if (old === undefined && next !== undefined) return { change: 'enter', units: entryUnits(next) };
  if (old !== undefined && next === undefined) return { change: 'leave', units: entryUnits(old) };
  if (old === undefined || next === undefined) return { change: 'none', units: 0 };
  const keyChanged = index.keys.some((key) => !isDeepStrictEqual(old[key], next[key]));
  if (keyChanged) return { change: 'move', units: entryUnits(old) + entryUnits(next) };
  if (!isDeepStrictEqual(old, next)) return { change: 'refresh', units: entryUnits(next) };
  return { change: 'none', units: 0 };
}

/** One write as the instrumentation saw it. */
export interface ObservedWrite {
  readonly before: WireItem | undefined;
  readonly after: WireItem | undefined;
  /** The write's condition failed: nothing changed. */
  readonly failed: boolean;
}

/** The units of one write: the table's, each index's, and the sum. */
export interface WriteCost {
  readonly table: number;
  readonly index: number;
  readonly byIndex: Readonly<Record<string, number>>;
  readonly total: number;
}

/** Table units of a write that succeeded: ceil(max(before, after) / 1 KB), at least 1. */
export function tableWriteUnits(before: WireItem | undefined, after: WireItem | undefined): number {
  return Math.max(1, Math.ceil(Math.max(itemSize(before), itemSize(after)) / WRITE_UNIT_BYTES));
}

/** What one write costs in the table and its indexes (see the module's rules). */
export function writeCost(write: ObservedWrite, shape: TableShape): WriteCost {
  if (write.failed) return { table: 1, index: 0, byIndex: {}, total: 1 };
  const table = tableWriteUnits(write.before, write.after);
  const byIndex: Record<string, number> = {};
  let index = 0;
  for (const definition of shape.indexes) {
    const { units } = indexWrite(write.before, write.after, definition, shape.keys);
    byIndex[definition.name] = units;
    index += units;
  }
  return { table, index, byIndex, total: table + index };
}
