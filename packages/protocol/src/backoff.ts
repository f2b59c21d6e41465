/**
 * Exponential backoff with jitter, as a pure function so its spacing can be tested exactly.
 *
 * The jitter is proportional (±20 % by default) rather than "full": a hundred agents retrying
 * after a NATS restart still spread out, yet each retry waits clearly longer than the
 * previous one, which is what a log reader (and the tests) expect of a backoff.
 */

export interface BackoffOptions {
  /** First delay. Default 100 ms. */
  initialMs?: number;
  /** Cap. Default 5 000 ms. */
  maxMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Fraction of the delay added or removed at random. Default 0.2. */
  jitter?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = {
  initialMs: 100,
  maxMs: 5_000,
  factor: 2,
  jitter: 0.2,
};

/**
 * The delay before retry number `attempt` (1 = the first retry). `random` returns [0, 1) and is
 * injectable for tests.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const { initialMs, maxMs, factor, jitter } = { ...DEFAULT_BACKOFF, ...options };
  const exponent = Math.max(0, attempt - 1);
  const base = Math.min(maxMs, initialMs * factor ** exponent);
  // The spread never goes above the cap, so retries at the cap still spread out (downwards).
  const lower = base * (1 - jitter);
  const upper = Math.min(maxMs, base * (1 + jitter));
  return Math.max(0, Math.round(lower + (upper - lower) * random()));
}
