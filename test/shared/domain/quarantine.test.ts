import { describe, expect, it } from 'vitest';
import { CallWindow, DEFAULT_QUARANTINE, nextCoolDown } from '../../../shared/domain/quarantine.ts';

describe('CallWindow', () => {
  it('trips at 20 calls in a minute when half of them failed, not before', () => {
    // Prepare
    const window = new CallWindow(DEFAULT_QUARANTINE);
    for (let i = 0; i < 19; i++) window.record(1_000 + i, i % 2 === 0);

    // Act
    const at19 = window.trips(2_000);
    window.record(2_000, false);
    const at20 = window.trips(2_000);

    // Assess: 19 calls never trip; the 20th, making 10 of 20 failed, does.
    expect(at19).toBe(false);
    expect(at20).toBe(true);
  });

  it('forgets calls older than the window, and does not trip on a failing minority', () => {
    // Prepare
    const window = new CallWindow(DEFAULT_QUARANTINE);
    for (let i = 0; i < 30; i++) window.record(0, false);
    for (let i = 0; i < 30; i++) window.record(70_000, i < 10);

    // Act
    const trips = window.trips(70_000);

    // Assess: the 30 old failures are gone; 20 of the 30 recent calls failed (2/3), so it trips…
    expect(trips).toBe(true);
    // …while a third failing does not.
    const calm = new CallWindow(DEFAULT_QUARANTINE);
    for (let i = 0; i < 30; i++) calm.record(0, i >= 10);
    expect(calm.trips(0)).toBe(false);
  });
});

describe('nextCoolDown', () => {
  it('doubles the cool-down after each failed probe, from one minute up to fourteen', () => {
    // Act
    const steps = [60_000];
    for (let i = 0; i < 6; i++) steps.push(nextCoolDown(steps.at(-1) ?? 0, DEFAULT_QUARANTINE));

    // Assess
    expect(steps).toEqual([60_000, 120_000, 240_000, 480_000, 840_000, 840_000, 840_000]);
  });
});
