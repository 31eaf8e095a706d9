import type { Fault } from '../../simulators/faults.ts';
import { Rng } from './prng.ts';
import type { ChaosPlatform } from './workload.ts';

/**
 * The seeded fault schedule of a chaos run: which platform call meets which simulator fault, which
 * DynamoDB call is throttled or fails (before or after it took effect), and when the handler process is
 * killed. Pure: decisions are drawn in call order from per-purpose streams of the seed.
 */

/** Knobs of the plan. */
export interface FaultPlanOptions {
  /** Share of platform calls that meet a simulator fault (default 0.14). */
  readonly platformShare?: number | undefined;
  /** Share of DynamoDB calls answered with a throttle or a 500 (default 0.03). */
  readonly dynamodbShare?: number | undefined;
  /** Requests per SIGKILL (default 500); at least one kill per run. */
  readonly requestsPerKill?: number | undefined;
}

/** A DynamoDB fault: answered instead of forwarding, or after forwarding (the write took effect). */
export interface DynamoFault {
  readonly when: 'before' | 'after';
  readonly type: 'ProvisionedThroughputExceededException' | 'ThrottlingException' | 'InternalServerError';
}

const VENDOR_ERRORS: Readonly<Record<ChaosPlatform, Fault>> = {
  // 1110xx is Cloopen's server-side range (retryable); Baijiayun says "too frequent" with its code 1.
  cloopen: { kind: 'vendor-error', code: '111001', message: '【系统】服务器繁忙' },
  baijiayun: { kind: 'vendor-error', code: '1', message: '请求过于频繁，请稍后再试' },
};

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

/** Whether a vendor operation changes state (what a kill "right after the platform committed" targets). */
export function isMutating(operation: string): boolean {
  return !/^(get|query|list)|Info$/i.test(operation);
}

/** Positions in [low, high] drawn without caring about order, sorted. */
function positions(rng: Rng, count: number, low: number, high: number): number[] {
  return Array.from({ length: count }, () => rng.int(low, Math.max(low, high))).sort((a, b) => a - b);
}

/** The schedule of one run. */
export class FaultPlan {
  readonly #platform: Record<ChaosPlatform, Rng>;
  readonly #dynamodb: Rng;
  readonly #platformShare: number;
  readonly #dynamodbShare: number;
  /** Mutating platform call numbers after which the handler is killed (commit-then-hang, then SIGKILL). */
  readonly #afterCommitKills: number[];
  #mutatingCalls = 0;
  /** Delivery numbers at which the handler is killed wherever it is. */
  readonly randomKills: readonly number[];

  constructor(seed: number, requests: number, options: FaultPlanOptions = {}) {
    const root = new Rng(seed);
    this.#platform = { cloopen: root.fork('cloopen'), baijiayun: root.fork('baijiayun') };
    this.#dynamodb = root.fork('dynamodb');
    this.#platformShare = options.platformShare ?? 0.14;
    this.#dynamodbShare = options.dynamodbShare ?? 0.03;
    const kills = Math.max(1, Math.round(requests / (options.requestsPerKill ?? 500)));
    const kill = root.fork('kills');
    const afterCommit = Math.ceil(kills / 2);
    this.#afterCommitKills = positions(
      kill,
      afterCommit,
      Math.floor(requests * 0.05),
      Math.floor(requests * 0.7),
    );
    this.randomKills = positions(
      kill,
      kills - afterCommit,
      Math.floor(requests * 0.05),
      Math.floor(requests * 0.8),
    );
  }

  /** Kills still planned after a platform commit. */
  get afterCommitKillsLeft(): number {
    return this.#afterCommitKills.length;
  }

  /**
   * The fault for the next call to `platform`'s `operation`, if any. A `commit-then-hang` means: kill the
   * handler once the platform has committed.
   */
  platformFault(platform: ChaosPlatform, operation: string): Fault | undefined {
    const rng = this.#platform[platform];
    if (isMutating(operation)) {
      this.#mutatingCalls++;
      if (this.#afterCommitKills[0] !== undefined && this.#mutatingCalls >= this.#afterCommitKills[0]) {
        this.#afterCommitKills.shift();
        return { kind: 'commit-then-hang' };
      }
    }
    if (!rng.chance(this.#platformShare)) return undefined;
    const r = rng.next();
    if (r < 0.3) return { kind: 'http-error', status: rng.pick([500, 502, 503]) };
    if (r < 0.45) return VENDOR_ERRORS[platform];
    if (r < 0.6) return { kind: 'hang' };
    if (r < 0.8) return { kind: 'drop-after-commit' };
    return { kind: 'rate-limit' };
  }

  /** The fault for the next DynamoDB call of `operation` (`PutItem`, …), if any. */
  dynamodbFault(operation: string): DynamoFault | undefined {
    const rng = this.#dynamodb;
    if (!rng.chance(this.#dynamodbShare)) return undefined;
    const type = rng.pick([
      'ProvisionedThroughputExceededException',
      'ThrottlingException',
      'InternalServerError',
    ] as const);
    // A write may fail after it took effect (commit-then-fail): the caller cannot tell, and must cope.
    const when =
      WRITES.has(operation) && type === 'InternalServerError' && rng.chance(0.5) ? 'after' : 'before';
    return { when, type };
  }
}
