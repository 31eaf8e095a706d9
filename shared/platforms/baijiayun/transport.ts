import type { RateBudget } from '../../ports/rate-budget.ts';
import { type FetchLike, request } from '../http.ts';
import { processRateBudget } from '../pacer.ts';
import { BaijiayunError } from './errors.ts';
import { baijiayunBudgetKey, budgetLimiter, type RateLimiter } from './limiter.ts';
import { BAIJIAYUN_WINDOW_MS, type BaijiayunConfig } from './settings.ts';
import { sign } from './signing.ts';
import { type BaijiayunEndpoint, encodeForm, interpretAnswer, toWireParams } from './wire.ts';

/**
 * Injectable collaborators of the Baijiayun client (`createBaijiayunClient`) and its
 * {@link BaijiayunTransport}; tests replace them, production uses the defaults.
 */
export interface BaijiayunClientDeps {
  readonly fetch?: FetchLike | undefined;
  /** The clock that stamps `timestamp` and judges expiry. */
  readonly now?: (() => Date) | undefined;
  /**
   * The budget the partner's slots are drawn from: the fleet-wide one in the deployed functions and the local
   * stack, else (the CLI, tests) the budget of this process (`processRateBudget`).
   */
  readonly rateBudget?: RateBudget | undefined;
  /** Overrides {@link rateBudget} with a limiter of its own (tests). */
  readonly limiter?: RateLimiter | undefined;
  /** Extra attempts for reads (`getSubAccountList`, `getAccountInfo`); default 2. */
  readonly readRetries?: number | undefined;
  /** First backoff delay of read retries in ms; default 200. */
  readonly retryBaseMs?: number | undefined;
}

/**
 * The call-and-decode layer of the Baijiayun client: signs each `new_sub` call (`partner_id`, `timestamp`,
 * `sign`), posts it as a form within `config.timeoutMs`, retries reads with backoff and decodes the answer.
 *
 * Every call first takes a slot of the partner's rate budget (`config.rateLimitRequests` per 10 s, paced
 * evenly, shared by every process that draws on the same budget), so bursts wait instead of tripping the
 * platform's 200 per 10 s limit. Read retries take a slot each too.
 */
export class BaijiayunTransport {
  /** The clock that stamps `timestamp`; the client judges expiry by it too. */
  readonly now: () => Date;
  /** The master account every call is made as (for messages). */
  readonly partnerId: string;
  readonly #config: BaijiayunConfig;
  readonly #deps: BaijiayunClientDeps;
  readonly #limiter: RateLimiter;

  constructor(config: BaijiayunConfig, deps: BaijiayunClientDeps = {}) {
    this.now = deps.now ?? (() => new Date());
    this.partnerId = config.partnerId;
    this.#config = config;
    this.#deps = deps;
    this.#limiter =
      deps.limiter ??
      budgetLimiter(deps.rateBudget ?? processRateBudget(), baijiayunBudgetKey(config.partnerId), {
        requests: config.rateLimitRequests,
        windowMs: BAIJIAYUN_WINDOW_MS,
      });
  }

  /**
   * Calls one endpoint with `params` (the platform's field names), decoded by `decode`. Reads are retried;
   * `mutates` calls are sent once.
   */
  async call<T>(
    endpoint: BaijiayunEndpoint,
    params: object,
    mutates: boolean,
    decode: (data: unknown) => T,
  ): Promise<T> {
    const config = this.#config;
    const limiter = this.#limiter;
    const wire = toWireParams(endpoint, params);
    // The slot is taken before the timestamp is stamped, so a long wait cannot make it stale, and before
    // `request` starts its timeout, so waiting here never reads as a timeout (nor as an unknown outcome).
    try {
      await limiter.acquire();
    } catch (error) {
      // Without a slot nothing may be sent; nothing was, so the caller may retry it later.
      throw new BaijiayunError(`baijiayun ${endpoint}: no rate budget slot (the budget is unreachable)`, {
        category: 'rate-limited',
        operation: endpoint,
        cause: error,
      });
    }
    const fields: Record<string, string | undefined> = {
      ...wire,
      partner_id: config.partnerId,
      timestamp: String(Math.floor(this.now().getTime() / 1000)),
    };
    fields.sign = sign(fields, config.partnerKey);
    let attempts = 0;
    // Read retries are sent again and must count against the budget too. Their wait runs inside the attempt's
    // timeout; only reads are retried, so a wait that outlasts it costs one attempt, never an unknown outcome.
    const limitedFetch: FetchLike = async (input, init) => {
      attempts += 1;
      if (attempts > 1) await limiter.acquire();
      return (this.#deps.fetch ?? fetch)(input, init);
    };
    return request(
      {
        platform: 'baijiayun',
        operation: endpoint,
        method: 'POST',
        url: `${config.baseUrl}/openapi/new_sub/${endpoint}`,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: encodeForm(fields),
        mutates,
      },
      {
        fetch: limitedFetch,
        timeoutMs: config.timeoutMs,
        readRetries: this.#deps.readRetries,
        retryBaseMs: this.#deps.retryBaseMs,
      },
      (answer) => interpretAnswer(endpoint, answer, decode),
    );
  }
}
