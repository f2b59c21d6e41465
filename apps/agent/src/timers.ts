/**
 * Timers, injected like the clock, so tests can move time instead of waiting for it. The handle is
 * opaque: whatever `setTimeout` returned goes back to `clearTimeout`.
 */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Resolves `'elapsed'` after `ms`, or `'aborted'` as soon as `signal` aborts (at once if it already
 * has). Never rejects, so callers need no try/catch around a cancelled wait.
 */
export function sleep(timers: Timers, ms: number, signal?: AbortSignal): Promise<'elapsed' | 'aborted'> {
  if (signal?.aborted) return Promise.resolve('aborted');
  return new Promise((resolve) => {
    const onAbort = () => {
      timers.clearTimeout(handle);
      resolve('aborted');
    };
    const handle = timers.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve('elapsed');
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
