import type { SchedulerSettings } from './types.js';

const SECOND = 1_000_000_000n;

/**
 * Defaults. Jobs that set no queue timeout wait up to an hour for room, as users of a batch queue
 * expect, instead of failing the moment the cluster is full. The backoff is short because most retries follow a rejected bid or a lost node, where
 * waiting long helps nobody; the cap keeps a flapping job from hammering the cluster. The timeout
 * buffer covers the agent's own SIGTERM grace period and one missed heartbeat.
 */
export const DEFAULT_SCHEDULER_SETTINGS: Readonly<SchedulerSettings> = Object.freeze({
  maxAttempts: 3,
  overcommit: 1.5,
  retryBackoff: Object.freeze({ baseNanos: 2n * SECOND, maxNanos: 120n * SECOND }),
  bidsPerPartition: 1,
  executionTimeoutBufferNanos: 60n * SECOND,
  prepareAllowanceNanos: 600n * SECOND,
  defaultQueueTimeoutSeconds: 3600,
  busyRetryNanos: 5n * SECOND,
});

function nonNegative(value: number | undefined, fallback: number): number {
  return value === undefined || !Number.isFinite(value) ? fallback : Math.max(0, Math.floor(value));
}

/** Math.max does not take bigints. */
function atLeast(value: bigint, floor: bigint): bigint {
  if (value < floor) return floor;
  return value;
}

/**
 * Fills in defaults and clamps nonsense to the nearest sane value: this runs inside the scheduler,
 * where throwing would fail every evaluation, and config validation belongs to the config loader.
 */
export function resolveSettings(input: Partial<SchedulerSettings> | undefined): SchedulerSettings {
  const d = DEFAULT_SCHEDULER_SETTINGS;
  const whole = (value: number | undefined, fallback: number) =>
    value === undefined || !Number.isFinite(value) ? fallback : Math.max(1, Math.floor(value));
  const base = input?.retryBackoff?.baseNanos ?? d.retryBackoff.baseNanos;
  const max = input?.retryBackoff?.maxNanos ?? d.retryBackoff.maxNanos;
  const overcommit = input?.overcommit;
  return {
    maxAttempts: whole(input?.maxAttempts, d.maxAttempts),
    overcommit: overcommit === undefined || !(overcommit >= 1) ? d.overcommit : overcommit,
    retryBackoff: { baseNanos: atLeast(base, 0n), maxNanos: atLeast(max, atLeast(base, 0n)) },
    bidsPerPartition: whole(input?.bidsPerPartition, d.bidsPerPartition),
    executionTimeoutBufferNanos: input?.executionTimeoutBufferNanos ?? d.executionTimeoutBufferNanos,
    prepareAllowanceNanos: atLeast(input?.prepareAllowanceNanos ?? d.prepareAllowanceNanos, 0n),
    defaultQueueTimeoutSeconds: nonNegative(input?.defaultQueueTimeoutSeconds, d.defaultQueueTimeoutSeconds),
    busyRetryNanos: atLeast(input?.busyRetryNanos ?? d.busyRetryNanos, 0n),
  };
}
