import { describe, expect, it } from 'vitest';
import { roundTrips, waves } from '../../bench/round-trips.ts';

describe('roundTrips', () => {
  it('counts sequential calls one by one', () => {
    expect(
      roundTrips([
        { start: 0, end: 5 },
        { start: 6, end: 9 },
        { start: 9, end: 12 },
      ]),
    ).toBe(3);
  });

  it('counts overlapping calls once, whatever order they are given in', () => {
    const calls = [
      { start: 10, end: 14 },
      { start: 0, end: 5 },
      { start: 1, end: 4 },
      { start: 4.5, end: 8 },
    ];
    expect(waves(calls).map((w) => w.length)).toEqual([3, 1]);
    expect(roundTrips(calls)).toBe(2);
  });

  it('is 0 without calls', () => {
    expect(roundTrips([])).toBe(0);
  });
});
