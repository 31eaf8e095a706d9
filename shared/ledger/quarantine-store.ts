import type { ParkedMessage, QuarantineState } from '../ports/ledger.ts';
import type { PlatformName } from '../ports/platform.ts';
import { isConditionFailure } from './error-translation.ts';
import { compact, stripKeys } from './items.ts';
import { quarantinePartitionKey } from './table.ts';
import { ANY_ITEM, type LedgerTableClient } from './table-client.ts';

const STATE = 'STATE';
const PARKED = 'PARKED#';
/**
 * Quarantine items: one state item per quarantined platform, shared by every execution environment, and
 * one item per message parked while it lasts. Each write is a single conditional write, so two handlers
 * tripping at once start one quarantine, and two probers take one probe.
 */
export class QuarantineStore {
  readonly #table: LedgerTableClient;

  constructor(table: LedgerTableClient) {
    this.#table = table;
  }

  async get(platform: PlatformName): Promise<QuarantineState | undefined> {
    const item = await this.#table.get('getQuarantine', { pk: quarantinePartitionKey(platform), sk: STATE });
    return item === undefined ? undefined : (stripKeys(item) as unknown as QuarantineState);
  }

  async enter(state: QuarantineState): Promise<boolean> {
    try {
      await this.#table.put(
        'enterQuarantine',
        { ...compact(state), pk: quarantinePartitionKey(state.platform), sk: STATE },
        { ConditionExpression: 'attribute_not_exists(pk)' },
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async claimProbe(platform: PlatformName, at: string, leaseMs: number): Promise<boolean> {
    try {
      await this.#table.update(
        'claimProbe',
        { pk: quarantinePartitionKey(platform), sk: STATE },
        {
          UpdateExpression: 'SET probeUntil = :lease',
          ConditionExpression:
            'attribute_exists(pk) AND #until <= :at AND (attribute_not_exists(probeUntil) OR probeUntil <= :at)',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: {
            ':at': at,
            ':lease': new Date(Date.parse(at) + leaseMs).toISOString(),
          },
        },
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async extend(platform: PlatformName, until: string, coolDownMs: number): Promise<void> {
    await this.#table.update(
      'extendQuarantine',
      { pk: quarantinePartitionKey(platform), sk: STATE },
      {
        UpdateExpression: 'SET #until = :until, coolDownMs = :cool REMOVE probeUntil',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#until': 'until' },
        ExpressionAttributeValues: { ':until': until, ':cool': coolDownMs },
      },
    );
  }

  async end(platform: PlatformName): Promise<void> {
    await this.#table.delete('endQuarantine', { pk: quarantinePartitionKey(platform), sk: STATE }, ANY_ITEM);
  }

  async park(platform: PlatformName, message: ParkedMessage): Promise<void> {
    await this.#table.put(
      'parkMessage',
      { ...compact(message), pk: quarantinePartitionKey(platform), sk: `${PARKED}${message.messageId}` },
      ANY_ITEM,
    );
  }

  async listParked(platform: PlatformName): Promise<ParkedMessage[]> {
    const items = await this.#table.queryAll('listParked', {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :parked)',
      ExpressionAttributeValues: { ':pk': quarantinePartitionKey(platform), ':parked': PARKED },
    });
    return items.map((item) => stripKeys(item) as unknown as ParkedMessage);
  }

  async unpark(platform: PlatformName, messageId: string): Promise<void> {
    await this.#table.delete(
      'unpark',
      { pk: quarantinePartitionKey(platform), sk: `${PARKED}${messageId}` },
      ANY_ITEM,
    );
  }
}
