import type {
  AccountRecord,
  DueAccount,
  ExpiryPhase,
  HistoryEntry,
  OperationEvent,
} from '../ports/ledger.ts';
import type { PlatformName } from '../ports/platform.ts';
import {
  ACCOUNT_SORT_KEY,
  type AccountPhase,
  accountPartitionKey,
  LEDGER_INDEX,
  LEDGER_KEY_ATTRIBUTES,
  NO_EXPIRY,
  phaseIndexPartitionKey,
  phaseIndexSortKey,
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
 * Where the index files an account: by its phase, which changes only when the sweep has something new to
 * do with it (it expired while suspended, it closed, it failed), not with every suspend and resume.
 */
export function accountPhase(record: AccountRecord): AccountPhase {
  switch (record.state) {
    case 'active':
      return 'open';
    case 'suspended':
      return record.expiresAt !== undefined &&
        record.suspendedAt !== undefined &&
        Date.parse(record.suspendedAt) >= Date.parse(record.expiresAt)
        ? 'expired'
        : 'open';
    default:
      return record.state;
  }
}

/** The item of an account record: its fields, the table key and its index keys (phase and expiry). */
export function accountItem(record: AccountRecord): Item {
  return {
    ...compact(record),
    pk: accountPartitionKey(record),
    sk: ACCOUNT_SORT_KEY,
    gsi1pk: phaseIndexPartitionKey(record.platform, accountPhase(record)),
    gsi1sk: phaseIndexSortKey(record.expiresAt, record.tenantId),
  };
}

/** The account record an account item holds. */
export function toAccountRecord(item: Item): AccountRecord {
  return stripKeys(item) as unknown as AccountRecord;
}

/**
 * The due account an index entry names (keys only: the platform and phase are in `gsi1pk`, the expiry and
 * tenant in `gsi1sk`); `undefined` for an entry not shaped like one.
 */
export function toDueAccount(item: Item, platform: PlatformName, phase: ExpiryPhase): DueAccount | undefined {
  const sortKey = item[LEDGER_INDEX.sortKey];
  if (typeof sortKey !== 'string') return undefined;
  const cut = sortKey.indexOf('#');
  const expiresAt = sortKey.slice(0, cut);
  const tenantId = sortKey.slice(cut + 1);
  if (cut < 0 || expiresAt === NO_EXPIRY || tenantId === '') return undefined;
  return { platform, tenantId, phase, expiresAt };
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
