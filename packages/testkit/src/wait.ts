/**
 * Polling instead of sleeping: `waitFor` re-evaluates a condition until it yields a truthy value or
 * a deadline passes, then fails with a message that says what was awaited and the last error seen.
 *
 *   await waitFor(async () => (await repo.get(id))?.state === 'done', { message: 'job done' });
 */

export interface WaitForOptions {
  /** Give up after this long. Default 10 000 ms. */
  timeoutMs?: number;
  /** Pause between attempts. Default 50 ms. */
  intervalMs?: number;
  /** What is being awaited, for the timeout error ("nats-server on port 4222 to accept"). */
  message?: string | (() => string);
  /** Stops waiting at once, rejecting with the signal's reason. */
  signal?: AbortSignal;
}

export type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

const expired: unique symbol = Symbol('expired');

/** Resolves to `expired` after `ms` or rejects when `signal` aborts; `cancel` clears both. */
function timer(ms: number, signal: AbortSignal | undefined) {
  let cancel = () => {};
  const promise = new Promise<typeof expired>((resolve, reject) => {
    const onAbort = () => reject(signal?.reason);
    const handle = setTimeout(() => resolve(expired), Math.max(ms, 0));
    signal?.addEventListener('abort', onAbort, { once: true });
    cancel = () => {
      clearTimeout(handle);
      signal?.removeEventListener('abort', onAbort);
    };
  });
  return { promise, cancel };
}

/**
 * Resolves with the first truthy value `condition` returns. A condition that throws counts as "not
 * yet" (its last error is reported on timeout). Each attempt is bounded by the remaining time.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<Truthy<T>> {
  const { timeoutMs = 10_000, intervalMs = 50, signal } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let attempts = 0;
  for (;;) {
    signal?.throwIfAborted();
    attempts++;
    const limit = timer(deadline - Date.now(), signal);
    try {
      const outcome = await Promise.race([Promise.resolve().then(condition), limit.promise]);
      if (outcome !== expired && outcome) return outcome as Truthy<T>;
    } catch (error) {
      signal?.throwIfAborted();
      lastError = error;
    } finally {
      limit.cancel();
    }
    if (Date.now() + intervalMs > deadline) break;
    const pause = timer(intervalMs, signal);
    try {
      await pause.promise;
    } finally {
      pause.cancel();
    }
  }
  const what = typeof options.message === 'function' ? options.message() : (options.message ?? 'condition');
  const cause = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
  throw new WaitTimeoutError(
    `timed out after ${timeoutMs} ms (${attempts} attempts) waiting for ${what}${cause}`,
    {
      cause: lastError,
    },
  );
}
