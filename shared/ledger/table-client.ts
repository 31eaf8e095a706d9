import { type ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { isConditionFailure, toLedgerError } from './error-translation.ts';
import type { Item } from './items.ts';

/** DynamoDB's most keys per BatchGetItem. */
const BATCH_GET_LIMIT = 100;

/**
 * The string attribute `name` of the item a failed conditional write returned
 * (`ReturnValuesOnConditionCheckFailure`), which comes marshalled even through the document client;
 * `undefined` when the error carries none (dynalite ignores the parameter).
 */
export function conditionFailureString(error: unknown, name: string): string | undefined {
  const item = (error as { Item?: Record<string, { S?: unknown } | undefined> } | undefined)?.Item;
  const value = item?.[name]?.S;
  return typeof value === 'string' ? value : undefined;
}

/** Whether consumed capacity was spent reading or writing. */
export type CapacityKind = 'read' | 'write';

/** Where the ledger's items are and how calls to them are metered; part of `DynamoDbLedgerOptions`. */
export interface LedgerTableOptions {
  /**
   * A document client, or a plain client that the ledger wraps in one. Retries and timeouts are the
   * client's own configuration: the ledger adds none. A document client must not set `wrapNumbers`.
   */
  readonly client: DynamoDBDocumentClient | DynamoDBClient;
  readonly tableName: string;
  /**
   * Called after each DynamoDB call with the capacity units it consumed (`ReturnConsumedCapacity: TOTAL`
   * is requested only when this is set). `operation` is the ledger method, e.g. `saveAccount`.
   */
  readonly onConsumedCapacity?: ((units: number, operation: string, kind: CapacityKind) => void) | undefined;
  /** Items per Query page (DynamoDB's `Limit`); unset means DynamoDB's 1 MB pages. For tests of paging. */
  readonly pageSize?: number | undefined;
}

/** The condition of a write, with the names and values its expression uses. */
export interface WriteCondition {
  readonly ConditionExpression: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
}

/** The condition of a write that may create or replace its item. */
export const ANY_ITEM: WriteCondition = {
  ConditionExpression: 'attribute_not_exists(pk) OR attribute_exists(pk)',
};

/** The expressions of an UpdateItem: what to set, and on which condition. */
export interface UpdateExpressions extends WriteCondition {
  readonly UpdateExpression: string;
}

/**
 * The DynamoDB calls of the ledger, on its one table: each names the ledger method (`operation`) it
 * serves, reports the capacity it consumed, and fails with the error of `./error-translation.ts`. A failed
 * write condition passes through as `ConditionalCheckFailedException`: what it means is the ledger's call.
 *
 * Every read is strongly consistent: writes are conditional on what was read, so a stale read would only
 * buy a conflict.
 */
export class LedgerTableClient {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #onConsumedCapacity: LedgerTableOptions['onConsumedCapacity'];
  readonly #pageSize: number | undefined;
  readonly #returnCapacity: { readonly ReturnConsumedCapacity?: 'TOTAL' };

  /** Wraps a plain client in a document client that drops undefined values. */
  constructor(options: LedgerTableOptions) {
    this.#client =
      options.client instanceof DynamoDBClient
        ? DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } })
        : options.client;
    this.#tableName = options.tableName;
    this.#onConsumedCapacity = options.onConsumedCapacity;
    this.#pageSize = options.pageSize;
    this.#returnCapacity =
      options.onConsumedCapacity === undefined ? {} : { ReturnConsumedCapacity: 'TOTAL' as const };
  }

  /** The item at `key`, or only its `projection` attributes when given. */
  async get(operation: string, key: Item, projection?: string): Promise<Item | undefined> {
    const { Item } = await this.#call(operation, 'read', () =>
      this.#client.send(
        new GetCommand({
          TableName: this.#tableName,
          Key: key,
          ...(projection === undefined ? {} : { ProjectionExpression: projection }),
          ConsistentRead: true,
          ...this.#returnCapacity,
        }),
      ),
    );
    return Item;
  }

  /**
   * Puts `item` (key attributes included) if `condition` holds. With `returnOld`, resolves to the item it
   * replaced (none: `undefined`), and a failed condition carries the stored item where DynamoDB returns it
   * (`ReturnValuesOnConditionCheckFailure`; dynalite does not, see {@link conditionFailureString}).
   */
  async put(
    operation: string,
    item: Item,
    condition: WriteCondition,
    options: { readonly returnOld?: boolean } = {},
  ): Promise<Item | undefined> {
    const returns = options.returnOld
      ? { ReturnValues: 'ALL_OLD' as const, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const }
      : {};
    const { Attributes } = await this.#call(operation, 'write', () =>
      this.#client.send(
        new PutCommand({
          TableName: this.#tableName,
          Item: item,
          ...condition,
          ...returns,
          ...this.#returnCapacity,
        }),
      ),
    );
    return Attributes;
  }

  /** Puts `item` unless one with its key exists: true when it was written, false when one was there. */
  async putIfAbsent(operation: string, item: Item): Promise<boolean> {
    try {
      await this.put(operation, item, { ConditionExpression: 'attribute_not_exists(pk)' });
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return false;
    }
  }

  /**
   * The items at `keys` that exist, in one strongly consistent BatchGetItem per 100 keys, keys DynamoDB
   * leaves unprocessed asked for again. Order is not kept: callers match items by key.
   */
  async batchGet(operation: string, keys: readonly Item[]): Promise<Item[]> {
    const found: Item[] = [];
    for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
      let pending: Item[] = keys.slice(start, start + BATCH_GET_LIMIT);
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        if (attempt > 0)
          await new Promise((resolve) => setTimeout(resolve, Math.min(2 ** attempt * 25, 1_000)));
        const output = await this.#call(operation, 'read', () =>
          this.#client.send(
            new BatchGetCommand({
              RequestItems: { [this.#tableName]: { Keys: pending, ConsistentRead: true } },
              ...this.#returnCapacity,
            }),
          ),
        );
        found.push(...(output.Responses?.[this.#tableName] ?? []));
        pending = output.UnprocessedKeys?.[this.#tableName]?.Keys ?? [];
      }
    }
    return found;
  }

  /** Updates the item at `key` as `expressions` say, if their condition holds. */
  async update(operation: string, key: Item, expressions: UpdateExpressions): Promise<void> {
    await this.#call(operation, 'write', () =>
      this.#client.send(
        new UpdateCommand({ TableName: this.#tableName, Key: key, ...expressions, ...this.#returnCapacity }),
      ),
    );
  }

  /**
   * {@link LedgerTableClient.update}, answering the attributes the update set, as they are now
   * (`ReturnValues: UPDATED_NEW`): for an update computed by DynamoDB itself, such as `SET n = n + :d`.
   */
  async updateReturning(operation: string, key: Item, expressions: UpdateExpressions): Promise<Item> {
    const { Attributes } = await this.#call(operation, 'write', () =>
      this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: key,
          ...expressions,
          ReturnValues: 'UPDATED_NEW',
          ...this.#returnCapacity,
        }),
      ),
    );
    return Attributes ?? {};
  }

  /** Deletes the item at `key` if `condition` holds. */
  async delete(operation: string, key: Item, condition: WriteCondition): Promise<void> {
    await this.#call(operation, 'write', () =>
      this.#client.send(
        new DeleteCommand({ TableName: this.#tableName, Key: key, ...condition, ...this.#returnCapacity }),
      ),
    );
  }

  /** Every item a Query of the table (or of `input.IndexName`) matches, paged to the end. */
  async *query(operation: string, input: Omit<QueryCommandInput, 'TableName'>): AsyncGenerator<Item> {
    let startKey: Item | undefined;
    do {
      const page = await this.#call(operation, 'read', () =>
        this.#client.send(
          new QueryCommand({
            TableName: this.#tableName,
            ...input,
            ...this.#returnCapacity,
            ...(this.#pageSize === undefined ? {} : { Limit: this.#pageSize }),
            ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
          }),
        ),
      );
      yield* page.Items ?? [];
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  }

  /**
   * How many items a Query matches (`Select: COUNT`), paged to the end or until `upTo` are counted; reads
   * cost as for the items.
   */
  async count(
    operation: string,
    input: Omit<QueryCommandInput, 'TableName'>,
    upTo = Number.POSITIVE_INFINITY,
  ): Promise<number> {
    let startKey: Item | undefined;
    let total = 0;
    do {
      const left = upTo - total;
      const page = await this.#call(operation, 'read', () =>
        this.#client.send(
          new QueryCommand({
            TableName: this.#tableName,
            ...input,
            Select: 'COUNT',
            ...this.#returnCapacity,
            ...(Number.isFinite(left) ? { Limit: left } : {}),
            ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
          }),
        ),
      );
      total += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && total < upTo);
    return total;
  }

  /** {@link LedgerTableClient.query}, collected. */
  async queryAll(operation: string, input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const items: Item[] = [];
    for await (const item of this.query(operation, input)) items.push(item);
    return items;
  }

  /** Sends one call: translates its failure and reports the capacity it consumed. */
  async #call<T extends { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] | undefined }>(
    operation: string,
    kind: CapacityKind,
    send: () => Promise<T>,
  ): Promise<T> {
    let output: T;
    try {
      output = await send();
    } catch (error) {
      throw toLedgerError(error, operation, this.#tableName);
    }
    // Called through a local so that the callback sees no `this`, as a plain function would.
    const report = this.#onConsumedCapacity;
    const consumed = output.ConsumedCapacity;
    // Batch calls report one entry per table.
    const units = Array.isArray(consumed)
      ? consumed.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0)
      : consumed?.CapacityUnits;
    if (report !== undefined && units !== undefined) report(units, operation, kind);
    return output;
  }
}
