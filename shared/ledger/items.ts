import type { AccountRecord, HistoryEntry } from '../ports/ledger.ts';
import {
  ACCOUNT_SORT_KEY,
  accountPartitionKey,
  LEDGER_KEY_ATTRIBUTES,
  stateIndexPartitionKey,
} from './table.ts';

/**
 * Items ↔ records. Items hold the domain fields under their own (camelCase) names plus the key attributes
 * of `./table.ts`, which readers strip. Undefined values are dropped before writing, at any depth.
 *
 * @module
 */

/** A DynamoDB item as the document client hands it over. */
export type Item = Record<string, unknown>;

/**
 * The item of an account record: its fields plus the table key, and the state index key that files it
 * under its platform and state (only account items carry it, which keeps the index sparse).
 */
export function accountItem(record: AccountRecord): Item {
  return {
    ...compact(record),
    pk: accountPartitionKey(record),
    sk: ACCOUNT_SORT_KEY,
    gsi1pk: stateIndexPartitionKey(record.platform, record.state),
    gsi1sk: record.tenantId,
  };
}

/** The account record an account item holds. */
export function toAccountRecord(item: Item): AccountRecord {
  return stripKeys(item) as unknown as AccountRecord;
}

/** The history entry a request or rejected-message item holds. */
export function toHistoryEntry(item: Item): HistoryEntry {
  return stripKeys(item) as unknown as HistoryEntry;
}

/** A copy of an item without the attributes that exist only for DynamoDB's sake. */
export function stripKeys(item: Item): Item {
  const stripped = { ...item };
  for (const name of LEDGER_KEY_ATTRIBUTES) delete stripped[name];
  return stripped;
}

/**
 * A copy without `undefined` anywhere (object properties and list elements), so a caller's document client
 * that lacks `removeUndefinedValues` cannot fail on, or store, an absent optional field.
 */
export function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((element) => element !== undefined).map(compact) as T;
  if (typeof value === 'object' && value !== null && isPlain(value)) {
    const result: Record<string, unknown> = {};
    for (const [name, field] of Object.entries(value)) if (field !== undefined) result[name] = compact(field);
    return result as T;
  }
  return value;
}

/** Plain objects only: anything with a prototype of its own (a `Set`, a `Uint8Array`) is kept as it is. */
function isPlain(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
