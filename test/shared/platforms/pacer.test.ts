import { describe, expect, it } from 'vitest';
import { BackoffPacer, Pacer, ProcessRateBudget } from '../../../shared/platforms/pacer.ts';

/** A clock that moves only when a pacer sleeps, recording each wake-up it asked for. */
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

describe('Pacer', () => {
  it('spaces its slots one interval apart instead of handing out a burst', async () => {
    // Prepare
    const time = fakeTime(1_000);
    const pacer = new Pacer(50, time);
    const granted: number[] = [];

    // Act
    for (let i = 0; i < 4; i++) {
      await pacer.acquire();
      granted.push(time.now());
    }

    // Assess
    expect(granted).toEqual([1_000, 1_050, 1_100, 1_150]);
  });

  it('grants at once after being idle, without saving up unused slots', async () => {
    // Prepare
    const time = fakeTime();
    const pacer = new Pacer(50, time);
    await pacer.acquire();
    time.advance(10_000);

    // Act
    await pacer.acquire();
    await pacer.acquire();

    // Assess
    expect(time.wakeUps).toEqual([10_050]);
  });

  it('puts every caller behind a hold', async () => {
    // Prepare
    const time = fakeTime();
    const pacer = new Pacer(50, time);
    pacer.holdUntil(500);

    // Act
    await pacer.acquire();

    // Assess
    expect(time.wakeUps).toEqual([500]);
  });
});

describe('ProcessRateBudget', () => {
  it('paces each key at its rate, apart from the other keys', async () => {
    // Prepare
    const time = fakeTime();
    const budget = new ProcessRateBudget(time);
    const rate = { requests: 200, windowMs: 10_000 };

    // Act
    await budget.acquire('a', rate);
    await budget.acquire('b', rate);
    await budget.acquire('a', rate);

    // Assess
    expect(time.wakeUps).toEqual([50]);
  });
});

describe('BackoffPacer', () => {
  it('lets calls through unpaced until the platform refuses one for load', async () => {
    // Prepare
    const time = fakeTime();
    const pacer = new BackoffPacer(1_000, time);

    // Act
    await pacer.acquire();
    await pacer.acquire();

    // Assess
    expect(time.wakeUps).toEqual([]);
  });

  it('paces every call one interval apart after a refusal, and stops after a success', async () => {
    // Prepare
    const time = fakeTime();
    const pacer = new BackoffPacer(1_000, time);

    // Act
    pacer.rateLimited();
    await pacer.acquire();
    await pacer.acquire();
    pacer.succeeded();
    await pacer.acquire();

    // Assess
    expect(time.wakeUps).toEqual([1_000, 2_000]);
    expect(pacer.engaged).toBe(false);
  });
});
