import { unavailable } from './errors.js';

/**
 * When the store must have answered by. A database that has stopped answering (a frozen server,
 * a stalled disk, a silent network) answers neither the query nor a cancel request, so the bound
 * is kept here, on the orchestrator's monotonic clock, by racing each call against a timer.
 */

/** The monotonic clock and the timers, injected like the Clock so that tests can drive them. */
export interface Timers {
  /** Milliseconds on a monotonic clock (performance.now): wall-clock steps do not move it. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** How long the API waits for the store before answering 503. */
export const STORE_ANSWER_MS = 2_000;

export class Deadline {
  private constructor(
    /** When, on `timers.now()`. */
    readonly at: number,
    /** The whole allowance, for messages ("no answer within 2s"). */
    readonly budgetMs: number,
    readonly timers: Timers,
  ) {}

  static after(ms: number, timers: Timers = systemTimers): Deadline {
    return new Deadline(timers.now() + ms, ms, timers);
  }

  /** The earlier of the two (a batch of submissions must answer by its most urgent one). */
  static earliest(deadlines: readonly Deadline[]): Deadline | undefined {
    return deadlines.reduce<Deadline | undefined>(
      (a, b) => (a === undefined || b.at < a.at ? b : a),
      undefined,
    );
  }

  remainingMs(): number {
    return this.at - this.timers.now();
  }

  expired(): boolean {
    return this.remainingMs() <= 0;
  }

  /** The error every call that missed this deadline fails with: a retryable 503. */
  error(): Error {
    return unavailable(`no answer within ${formatSeconds(this.budgetMs)}`);
  }

  /**
   * Runs `work` and settles with it, or fails with `error()` once the deadline passes, whichever
   * comes first; `work` is not started when the deadline has already passed. `onExpired` runs when
   * the timer wins, so that what `work` is still waiting on can be cleaned up.
   */
  race<T>(work: () => Promise<T>, onExpired?: () => void): Promise<T> {
    if (this.expired()) return Promise.reject(this.error());
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = this.timers.setTimeout(() => {
        if (settled) return;
        settled = true;
        reject(this.error());
        onExpired?.();
      }, this.remainingMs());
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        this.timers.clearTimeout(timer);
        settle();
      };
      let running: Promise<T>;
      try {
        running = work();
      } catch (error) {
        running = Promise.reject(error);
      }
      running.then(
        (value) => finish(() => resolve(value)),
        (error: unknown) => finish(() => reject(error)),
      );
    });
  }
}

/** `2s`, `1.5s`, `250ms`: how the budget reads in messages. */
export function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(3))}s` : `${ms}ms`;
}
