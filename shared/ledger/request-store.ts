import type {
  AccountKey,
  HistoryEntry,
  HistoryEvent,
  RequestCommit,
  RequestOpening,
  RequestView,
} from '../ports/ledger.ts';
import { isConditionFailure } from './error-translation.ts';
import { LedgerRequestNotFoundError } from './errors.ts';
import { appendEventUpdate, attemptUpdate, commitUpdate, historyKey } from './history.ts';
import { compact, toAccountRecord, toHistoryEntry } from './items.ts';
import { ACCOUNT_SORT_KEY, accountPartitionKey } from './table.ts';
import { ANY_ITEM, type LedgerTableClient } from './table-client.ts';

/**
 * The request path's reads and history writes: one request's view (account and history in one
 * BatchGetItem), its conclusion, its failed attempts and its duplicate deliveries. `DynamoDbLedger`
 * delegates to it and writes the account beside the conclusion.
 */
export class RequestStore {
  readonly #table: LedgerTableClient;

  constructor(table: LedgerTableClient) {
    this.#table = table;
  }

  /** The account and one request's history, in one strongly consistent BatchGetItem. */
  async read(key: AccountKey, requestId: string): Promise<RequestView> {
    const accountKey = { pk: accountPartitionKey(key), sk: ACCOUNT_SORT_KEY };
    const requestKey = historyKey(key, requestId);
    const items = await this.#table.batchGet('readRequest', [accountKey, requestKey]);
    const account = items.find((item) => item.sk === accountKey.sk);
    const request = items.find((item) => item.sk === requestKey.sk);
    return {
      account: account === undefined ? undefined : toAccountRecord(account),
      request: request === undefined ? undefined : toHistoryEntry(request),
    };
  }

  async recordAttempt(
    key: AccountKey,
    opening: RequestOpening,
    events: readonly HistoryEvent[],
  ): Promise<void> {
    await this.#table.update('recordAttempt', historyKey(key, opening.requestId), {
      ...attemptUpdate(opening, events),
      ConditionExpression: ANY_ITEM.ConditionExpression,
    });
  }

  async appendEvent(key: AccountKey, requestId: string, event: HistoryEvent): Promise<void> {
    try {
      await this.#table.update('appendEvent', historyKey(key, requestId), {
        ...appendEventUpdate(event),
        ConditionExpression: 'attribute_exists(pk)',
      });
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      throw new LedgerRequestNotFoundError(
        `Cannot append to request ${requestId} of ${key.platform} account ${key.tenantId}: it was never begun`,
        error,
      );
    }
  }

  /** The history half of `commitRequest`; a request concluded before is left as it was (a redelivery). */
  async conclude(key: AccountKey, commit: RequestCommit): Promise<void> {
    if (commit.unrecorded) {
      const { conclusion, account } = commit;
      const entry: HistoryEntry = {
        ...commit.opening,
        status: conclusion.status,
        result: conclusion.result,
        error: conclusion.error,
        finishedAt: conclusion.finishedAt,
        accountVersion: account?.version,
        events: [...commit.events, conclusion.event],
      };
      if (
        await this.#table.putIfAbsent('commitRequest', {
          ...compact(entry),
          ...historyKey(key, commit.opening.requestId),
        })
      ) {
        return;
      }
      // Another delivery recorded it meanwhile: conclude that one, under the update's conditions.
    }
    try {
      await this.#table.update(
        'commitRequest',
        historyKey(key, commit.opening.requestId),
        commitUpdate(commit),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
