export { isTransientAwsError } from '../aws/transient.ts';
export {
  type CapacityKind,
  createDynamoDbLedger,
  DynamoDbLedger,
  type DynamoDbLedgerOptions,
  TYPICAL_WRITE_UNITS,
} from './dynamodb-ledger.ts';
export {
  LedgerRequestNotFoundError,
  LedgerTableMismatchError,
  LedgerTableNotReadyError,
  LedgerUsageError,
} from './errors.ts';
export {
  ACCOUNT_SORT_KEY,
  accountPartitionKey,
  type CreateLedgerTableOptions,
  createLedgerTable,
  LEDGER_INDEX,
  LEDGER_KEY_ATTRIBUTES,
  LEDGER_TABLE_KEYS,
  ledgerTableDefinition,
  MESSAGE_SORT_KEY_PREFIX,
  phaseIndexPartitionKey,
  phaseIndexSortKey,
  REQUEST_SORT_KEY_PREFIX,
  unattributedPartitionKey,
} from './table.ts';
