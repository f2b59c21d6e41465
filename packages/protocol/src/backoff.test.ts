import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';

describe('backoffDelay', () => {
  const mid = () => 0.5;

  it('starts near 100 ms, doubles and caps at 5 s', () => {
    expect(DEFAULT_BACKOFF).toMatchObject({ initialMs: 100, maxMs: 5_000 });
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => backoffDelay(n, {}, mid));
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 4500, 4500, 4500]);
  });

  it('jitters within ±20 % and never above the cap', () => {
    expect(backoffDelay(3, {}, () => 0)).toBe(320);
    expect(backoffDelay(3, {}, () => 0.999999)).toBe(480);
    expect(backoffDelay(30, {}, () => 0)).toBe(4_000);
    expect(backoffDelay(30, {}, () => 0.999999)).toBe(5_000);
  });

  it('grows strictly until the cap, whatever the jitter', () => {
    for (let attempt = 1; attempt < 6; attempt++) {
      const worstNext = backoffDelay(attempt + 1, {}, () => 0);
      const bestThis = backoffDelay(attempt, {}, () => 0.999999);
      expect(worstNext).toBeGreaterThan(bestThis);
    }
  });

  it('spreads retries (a hundred agents do not retry in lockstep)', () => {
    const delays = new Set(Array.from({ length: 100 }, () => backoffDelay(4)));
    expect(delays.size).toBeGreaterThan(50);
  });
});
