import { performance } from 'node:perf_hooks';
import {
  type AttributeValue,
  type ConsumedCapacity,
  type DynamoDBClient,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { ObservedWrite } from './index-units.ts';
import type { WireItem } from './item-size.ts';

/**
 * Records every call a DynamoDB client makes, through SDK middleware on the client's own stack (a
 * document client built `from` it shares that stack), so the bench measures whatever the ledger does
 * without knowing its methods: the command, when it was sent and answered, the capacity DynamoDB reports
 * (`ReturnConsumedCapacity: TOTAL` is asked for on every call that takes it), `Count`/`ScannedCount` of
 * Queries and Scans, and, for writes, the item before and after.
 *
 * The images are read with a separate, unrecorded client: a strongly consistent GetItem before the write
 * (after its `start`) and one after it (after its `end`), so they cost the measured request nothing and
 * do not move its round trips. They assume no other writer touches the item meanwhile (true in the bench).
 *
 * @module
 */

/** One DynamoDB call. */
export interface RecordedCall {
  /** e.g. `PutItem`, `Query`. */
  readonly command: string;
  readonly kind: 'read' | 'write' | 'other';
  /** `performance.now()` when the call entered the client, and when its answer (or error) came back. */
  readonly start: number;
  readonly end: number;
  /** The error's name when it failed (`ConditionalCheckFailedException`, …). */
  readonly error?: string | undefined;
  /** `ConsumedCapacity` units DynamoDB reported (summed over tables), when it reported any. */
  readonly capacityUnits?: number | undefined;
  readonly indexName?: string | undefined;
  readonly count?: number | undefined;
  readonly scannedCount?: number | undefined;
  /** Each item written (one, or several for BatchWriteItem), with its images when recorded. */
  readonly writes: readonly ObservedWrite[];
}

/** A client being recorded. */
export interface DynamoDbRecorder {
  /** The calls so far, in the order they ended. */
  readonly calls: readonly RecordedCall[];
  /** Returns the calls so far and starts a new list. */
  take(): RecordedCall[];
}

/** Options of {@link recordDynamoDbCalls}. */
export interface RecorderOptions {
  /** Reads the before and after images of writes; without it `writes` have none. */
  readonly imageClient?: DynamoDBClient | undefined;
  /** The table's key attributes (to find a PutItem's key in its item). */
  readonly keys?: readonly string[] | undefined;
}

const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

type Input = Record<string, unknown>;
/** One item a write targets: its table and key. */
interface Target {
  readonly table: string;
  readonly key: WireItem;
}

function targetsOf(command: string, input: Input, keys: readonly string[]): Target[] {
  const table = String(input.TableName ?? '');
  const keyOf = (item: WireItem): WireItem =>
    Object.fromEntries(keys.flatMap((k) => (item[k] === undefined ? [] : [[k, item[k]]])));
  if (command === 'PutItem') return [{ table, key: keyOf(input.Item as WireItem) }];
  if (command === 'UpdateItem' || command === 'DeleteItem') return [{ table, key: input.Key as WireItem }];
  if (command === 'BatchWriteItem') {
    const requests = (input.RequestItems ?? {}) as Record<
      string,
      { PutRequest?: { Item: WireItem }; DeleteRequest?: { Key: WireItem } }[]
    >;
    return Object.entries(requests).flatMap(([name, list]) =>
      list.map((r) => ({
        table: name,
        key: r.PutRequest ? keyOf(r.PutRequest.Item) : (r.DeleteRequest?.Key ?? {}),
      })),
    );
  }
  return [];
}

function capacityOf(value: unknown): number | undefined {
  const list = (Array.isArray(value) ? value : value === undefined ? [] : [value]) as ConsumedCapacity[];
  const units = list.map((c) => c.CapacityUnits).filter((u): u is number => typeof u === 'number');
  return units.length === 0 ? undefined : units.reduce((sum, u) => sum + u, 0);
}

/** Starts recording `client`'s calls (and those of any document client built from it). */
export function recordDynamoDbCalls(client: DynamoDBClient, options: RecorderOptions = {}): DynamoDbRecorder {
  let calls: RecordedCall[] = [];
  const { imageClient } = options;
  const keys = options.keys ?? ['pk', 'sk'];
  const image = async (target: Target): Promise<WireItem | undefined> => {
    if (!imageClient || target.table === '') return undefined;
    const { Item } = await imageClient.send(
      new GetItemCommand({ TableName: target.table, Key: target.key, ConsistentRead: true }),
    );
    return Item as Record<string, AttributeValue> | undefined;
  };
  const nameOf = (context: { commandName?: string }) => (context.commandName ?? '?').replace(/Command$/, '');

  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = nameOf(context);
      const input = args.input as Input;
      // Before the document client marshals (a top-level scalar it passes through), so the request has it.
      if ((READS.has(command) || WRITES.has(command)) && input.ReturnConsumedCapacity === undefined) {
        input.ReturnConsumedCapacity = 'TOTAL';
      }
      return next(args);
    },
    { step: 'initialize', name: 'benchReturnConsumedCapacity', priority: 'high' },
  );

  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = nameOf(context);
      // After serialization: the input is in wire form (AttributeValues) whatever client sent it.
      const input = args.input as Input;
      const kind = READS.has(command) ? 'read' : WRITES.has(command) ? 'write' : 'other';
      const start = performance.now();
      const targets = kind === 'write' ? targetsOf(command, input, keys) : [];
      const before = await Promise.all(targets.map(image));
      let end: number;
      let error: string | undefined;
      let output: Input | undefined;
      try {
        const result = await next(args);
        output = result.output as unknown as Input;
        return result;
      } catch (thrown) {
        error = thrown instanceof Error ? thrown.name : 'Error';
        throw thrown;
      } finally {
        end = performance.now();
        const failed = error === 'ConditionalCheckFailedException';
        const after = error === undefined ? await Promise.all(targets.map(image)) : before;
        calls.push({
          command,
          kind,
          start,
          end,
          error,
          capacityUnits: capacityOf(output?.ConsumedCapacity),
          indexName: typeof input.IndexName === 'string' ? input.IndexName : undefined,
          count: typeof output?.Count === 'number' ? output.Count : undefined,
          scannedCount: typeof output?.ScannedCount === 'number' ? output.ScannedCount : undefined,
          writes: targets.map((_, i) => ({ before: before[i], after: after[i], failed })),
        });
      }
    },
    { step: 'build', name: 'benchRecordCalls', priority: 'high' },
  );

  return {
    get calls() {
      return calls;
    },
    take() {
      const taken = calls;
      calls = [];
      return taken;
    },
  };
}
