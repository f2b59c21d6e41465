import { ComputeStateType as C, DesiredStateType as D } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { backoffDelay, retryDueAt } from './backoff.js';
import { resolveSettings } from './settings.js';
import { makeExecution, SEC, T0 } from './testing/fixtures.js';

const backoff = { baseNanos: 5n * SEC, maxNanos: 30n * SEC };

describe('retry backoff', () => {
  it.each([
    [0, 0n],
    [1, 5n * SEC],
    [2, 10n * SEC],
    [3, 20n * SEC],
    [4, 30n * SEC],
    [60, 30n * SEC],
    [10_000, 30n * SEC],
  ])('attempt %i waits %s ns', (attempt, delay) => {
    expect(backoffDelay(attempt, backoff)).toBe(delay);
  });

  it('counts from the latest failure, not from now, so re-evaluation does not push it back', () => {
    const failures = [
      makeExecution({
        id: 'e1',
        node: 'n-1',
        compute: C.Failed,
        desired: D.Running,
        modified: T0 + 7n * SEC,
      }),
      makeExecution({
        id: 'e2',
        node: 'n-2',
        compute: C.Failed,
        desired: D.Running,
        modified: T0 + 3n * SEC,
      }),
    ];
    expect(retryDueAt(failures, backoff)).toBe(T0 + 17n * SEC);
    expect(retryDueAt([], backoff)).toBe(0n);
  });
});

describe('settings', () => {
  it('fills in the defaults', () => {
    expect(resolveSettings({})).toEqual({
      maxAttempts: 3,
      overcommit: 1.5,
      retryBackoff: { baseNanos: 2n * SEC, maxNanos: 120n * SEC },
      bidsPerPartition: 1,
      executionTimeoutBufferNanos: 60n * SEC,
      prepareAllowanceNanos: 600n * SEC,
      defaultQueueTimeoutSeconds: 3600,
      busyRetryNanos: 5n * SEC,
    });
  });

  it('clamps nonsense instead of failing every evaluation', () => {
    const s = resolveSettings({
      maxAttempts: 0,
      overcommit: 0.5,
      bidsPerPartition: Number.NaN,
      retryBackoff: { baseNanos: 10n * SEC, maxNanos: SEC },
      prepareAllowanceNanos: -SEC,
      defaultQueueTimeoutSeconds: -5,
      busyRetryNanos: -SEC,
    });
    expect(s.maxAttempts).toBe(1);
    expect(s.overcommit).toBe(1.5);
    expect(s.bidsPerPartition).toBe(1);
    expect(s.retryBackoff.maxNanos).toBe(10n * SEC);
    expect(s.prepareAllowanceNanos).toBe(0n);
    expect(s.defaultQueueTimeoutSeconds).toBe(0);
    expect(s.busyRetryNanos).toBe(0n);
  });

  it('keeps a default queue timeout of 0 (fail at once) and rounds a fractional one down', () => {
    expect(resolveSettings({ defaultQueueTimeoutSeconds: 0 }).defaultQueueTimeoutSeconds).toBe(0);
    expect(resolveSettings({ defaultQueueTimeoutSeconds: 90.7 }).defaultQueueTimeoutSeconds).toBe(90);
    expect(resolveSettings({ defaultQueueTimeoutSeconds: Number.NaN }).defaultQueueTimeoutSeconds).toBe(3600);
  });
});
