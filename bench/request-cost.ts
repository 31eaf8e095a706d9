import type { RecordedCall } from './dynamodb-recorder.ts';
import { type TableShape, writeCost } from './index-units.ts';
import { roundTrips } from './round-trips.ts';

/**
 * What one request cost the ledger, from the DynamoDB calls recorded while it ran. Pure.
 *
 * @module
 */

/** The cost of one request. */
export interface RequestCost {
  /** Sequential waves of DynamoDB calls (overlapping calls count once). */
  readonly round_trips: number;
  /** `table_write_units + index_write_units`. */
  readonly write_units: number;
  /** Read capacity DynamoDB reported for the reads. */
  readonly read_units: number;
  /**
   * Table units per write: DynamoDB's (the emulator's) `ConsumedCapacity` when it reported one, else the
   * model's (a failed conditional write, which reports none, is 1).
   */
  readonly table_write_units: number;
  /** Index units from the index-unit model (`./index-units.ts`). */
  readonly index_write_units: number;
  /** The model's table units, to compare with the reported ones. */
  readonly model_table_write_units: number;
  readonly calls: number;
  readonly reads: number;
  readonly writes: number;
  /** Writes whose condition failed. */
  readonly failed_writes: number;
  /** Index units by index name. */
  readonly index_units_by_index: Readonly<Record<string, number>>;
}

/** Costs the calls of one request against the table's shape. */
export function requestCost(calls: readonly RecordedCall[], shape: TableShape): RequestCost {
  let table = 0;
  let modelTable = 0;
  let index = 0;
  let readUnits = 0;
  let failed = 0;
  const byIndex: Record<string, number> = {};
  for (const call of calls) {
    if (call.kind === 'read') readUnits += call.capacityUnits ?? 0;
    if (call.kind !== 'write') continue;
    let callModelTable = 0;
    for (const write of call.writes) {
      const cost = writeCost(write, shape);
      callModelTable += cost.table;
      index += cost.index;
      for (const [name, units] of Object.entries(cost.byIndex)) byIndex[name] = (byIndex[name] ?? 0) + units;
      if (write.failed) failed++;
    }
    modelTable += callModelTable;
    table +=
      call.error === undefined && call.capacityUnits !== undefined ? call.capacityUnits : callModelTable;
  }
  return {
    round_trips: roundTrips(calls),
    write_units: table + index,
    read_units: readUnits,
    table_write_units: table,
    index_write_units: index,
    model_table_write_units: modelTable,
    calls: calls.length,
    reads: calls.filter((c) => c.kind === 'read').length,
    writes: calls.filter((c) => c.kind === 'write').length,
    failed_writes: failed,
    index_units_by_index: byIndex,
  };
}

/** The mean of several requests' costs, field by field (they are normally identical). */
export function meanCost(costs: readonly RequestCost[]): RequestCost {
  const first = costs[0];
  if (first === undefined) throw new Error('no costs to average');
  const avg = (pick: (c: RequestCost) => number) =>
    Math.round((costs.reduce((sum, c) => sum + pick(c), 0) / costs.length) * 100) / 100;
  const byIndex: Record<string, number> = {};
  for (const name of new Set(costs.flatMap((c) => Object.keys(c.index_units_by_index)))) {
    byIndex[name] = avg((c) => c.index_units_by_index[name] ?? 0);
  }
  return {
    round_trips: avg((c) => c.round_trips),
    write_units: avg((c) => c.write_units),
    read_units: avg((c) => c.read_units),
    table_write_units: avg((c) => c.table_write_units),
    index_write_units: avg((c) => c.index_write_units),
    model_table_write_units: avg((c) => c.model_table_write_units),
    calls: avg((c) => c.calls),
    reads: avg((c) => c.reads),
    writes: avg((c) => c.writes),
    failed_writes: avg((c) => c.failed_writes),
    index_units_by_index: byIndex,
  };
}
