import { describe, expect, it } from 'vitest';
import { SlidingWindowLimiter, sharedLimiter } from '../../../../shared/platforms/baijiayun/limiter.ts';

/** A clock that only moves when the limiter sleeps, recording each wake-up it asked for. */
function fakeTime(start = 0) {
  let now = start;
  const wakeUps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
      wakeUps.push(now);
    },
    advance: (ms: number) => {
      now += ms;
    },
    wakeUps,
  };
}

describe('SlidingWindowLimiter', () => {
  it('grants the budget at once, then makes later callers wait for the window to slide', async () => {
    // Prepare
    const time = fakeTime(1_000);
    const limiter = new SlidingWindowLimiter({
      requests: 3,
      windowMs: 10_000,
      now: time.now,
      sleep: time.sleep,
    });
    const grantedAt: number[] = [];

    // Act
    await Promise.all(
      Array.from({ length: 7 }, () => limiter.acquire().then(() => grantedAt.push(time.now()))),
    );

    // Assess
    expect(grantedAt).toEqual([1_000, 1_000, 1_000, 11_000, 11_000, 11_000, 21_000]);
    expect(time.wakeUps).toEqual([11_000, 21_000]);
  });

  it('never allows more than the budget within any window of a spread-out sequence', async () => {
    // Prepare
    const time = fakeTime();
    const limiter = new SlidingWindowLimiter({
      requests: 4,
      windowMs: 1_000,
      now: time.now,
      sleep: time.sleep,
    });
    const grantedAt: number[] = [];

    // Act
    for (let i = 0; i < 20; i++) {
      await limiter.acquire();
      grantedAt.push(time.now());
      time.advance(90);
    }

    // Assess
    for (const start of grantedAt) {
      expect(grantedAt.filter((t) => t >= start && t < start + 1_000).length).toBeLessThanOrEqual(4);
    }
    expect(time.wakeUps.length).toBeGreaterThan(0);
  });

  it('frees a slot exactly when the oldest grant leaves the window', async () => {
    // Prepare
    const time = fakeTime();
    const limiter = new SlidingWindowLimiter({
      requests: 2,
      windowMs: 1_000,
      now: time.now,
      sleep: time.sleep,
    });
    await limiter.acquire();
    time.advance(400);
    await limiter.acquire();

    // Act
    await limiter.acquire();

    // Assess
    expect(time.wakeUps).toEqual([1_000]);
  });

  it('is shared by every caller with the same key and separate for other keys', () => {
    // Prepare
    const options = { requests: 1, windowMs: 1_000 };

    // Act
    const a = sharedLimiter('1@host-a.test', options);
    const again = sharedLimiter('1@host-a.test', { requests: 99, windowMs: 1 });
    const other = sharedLimiter('1@host-b.test', options);

    // Assess
    expect(again).toBe(a);
    expect(other).not.toBe(a);
  });

  it('refuses a budget that could never grant anything', () => {
    // Act / Assess
    expect(() => new SlidingWindowLimiter({ requests: 0, windowMs: 1_000 })).toThrow(RangeError);
  });
});
