import type { AccountRecord, ExpiringAccount, HistoryEntry, OperationEvent } from '../ports/ledger.ts';
import {
  ACCOUNT_SORT_KEY,
  accountPartitionKey,
  EXPIRING_STATES,
  expiryIndexPartitionKey,
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
  const expiring =
    record.expiresAt !== undefined && EXPIRING_STATES.some((state) => state === record.state)
      ? { gsi2pk: expiryIndexPartitionKey(record.platform, record.state) }
      : {};
  return {
    ...compact(record),
    pk: accountPartitionKey(record),
    sk: ACCOUNT_SORT_KEY,
    gsi1pk: stateIndexPartitionKey(record.platform, record.state),
    gsi1sk: record.tenantId,
    // A full Put replaces the item, so an account that is closed or loses its expiry leaves the index.
    ...expiring,
  };
}

/** The account record an account item holds. */
export function toAccountRecord(item: Item): AccountRecord {
  return stripKeys(item) as unknown as AccountRecord;
}

/** The account an expiry index item projects; `undefined` for an item not shaped like one. */
export function toExpiringAccount(item: Item): ExpiringAccount | undefined {
  const { platform, tenantId, state, expiresAt } = item;
  if (typeof platform !== 'string' || typeof tenantId !== 'string' || typeof expiresAt !== 'string')
    return undefined;
  if (state !== 'active' && state !== 'suspended') return undefined;
  return { platform, tenantId, state, expiresAt };
}

/** The operations event an operations item holds. */
export function toOperationEvent(item: Item): OperationEvent {
  return {
    kind: String(item.kind),
    at: String(item.at),
    detail: String(item.detail ?? ''),
    count: typeof item.count === 'number' ? item.count : undefined,
  };
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
