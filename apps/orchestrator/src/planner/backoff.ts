import type { Nanos } from '@shoal/models';
import { latestEnded } from './executions.js';
import type { RetryBackoff, ScheduledExecution } from './types.js';

/**
 * Retry spacing: base · 2^(attempt−1), capped. `attempt` is the number of failed attempts so far,
 * so the first retry waits `base`, the second `2·base`, and so on up to `max`.
 */
export function backoffDelay(attempt: number, backoff: RetryBackoff): Nanos {
  if (attempt < 1) return 0n;
  // Beyond 62 doublings any sane base is past any sane cap; stop before the numbers get silly.
  const doublings = BigInt(Math.min(attempt - 1, 62));
  const delay = backoff.baseNanos << doublings;
  return delay > backoff.maxNanos ? backoff.maxNanos : delay;
}

/**
 * When the next attempt may start. Measured from when the last failure was recorded (its
 * ModifyTime; the scheduler never rewrites an ended execution), not from `now`: every
 * re-evaluation then computes the same instant instead of pushing the retry further away.
 */
export function retryDueAt(failures: readonly ScheduledExecution[], backoff: RetryBackoff): Nanos {
  const last = latestEnded(failures);
  if (!last) return 0n;
  return last.ModifyTime + backoffDelay(failures.length, backoff);
}
