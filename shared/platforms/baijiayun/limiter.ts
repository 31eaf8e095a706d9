import type { Rate, RateBudget } from '../../ports/rate-budget.ts';

/** Something that hands out request slots, waiting as long as needed. */
export interface RateLimiter {
  /** Resolves when one request may be sent; rejects only when no slot can be had at all. */
  acquire(): Promise<void>;
}

/**
 * The budget key of a partner: the platform counts requests per partner and calling IP, and every process
 * of the fleet may leave through the same IP, so all of them draw on one budget per partner.
 */
export function baijiayunBudgetKey(partnerId: string): string {
  return `baijiayun#${partnerId}`;
}

/** The limiter of one partner: one slot of `budget` per request, at `rate`. */
export function budgetLimiter(budget: RateBudget, key: string, rate: Rate): RateLimiter {
  return { acquire: () => budget.acquire(key, rate) };
}
