/**
 * Waiting without sleeping blindly: `pollUntil` asks `check` until it yields a value, the deadline
 * passes, `signal` aborts (Ctrl-C), or `failFast` settles first (a child exited during start-up).
 * (The testkit's waitFor does the same for tests; this one ships with the CLI.)
 */

export class PollAborted extends Error {
  override readonly name = 'PollAborted';
}

export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** What is awaited, for the timeout message. */
  what: string;
  signal?: AbortSignal;
  /** Rejecting or resolving ends the wait with this outcome as an error message. */
  failFast?: Promise<string>;
}

export async function pollUntil<T>(
  check: () => T | undefined | Promise<T | undefined>,
  options: PollOptions,
): Promise<T> {
  const { timeoutMs, intervalMs = 200, what, signal, failFast } = options;
  const deadline = Date.now() + timeoutMs;
  let failure: string | undefined;
  void failFast?.then(
    (why) => {
      failure = why;
    },
    (error: unknown) => {
      failure = String(error);
    },
  );
  let lastError = '';
  for (;;) {
    if (signal?.aborted) throw new PollAborted(`stopped while waiting for ${what}`);
    if (failure !== undefined) throw new Error(failure);
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = `; last error: ${(error as Error).message}`;
    }
    if (failure !== undefined) throw new Error(failure);
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${lastError}`);
    await pause(Math.min(intervalMs, Math.max(0, deadline - Date.now())), signal, failFast);
  }
}

/** Sleeps `ms`, ending early on abort or when failFast settles. */
function pause(
  ms: number,
  signal: AbortSignal | undefined,
  failFast: Promise<string> | undefined,
): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    failFast?.then(done, done);
  });
}
