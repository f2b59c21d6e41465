import type { Timers } from '../timers.js';

interface Pending {
  due: number;
  order: number;
  fn: () => void;
}

/**
 * Timers that fire only when a test calls `advance`, in due order. Pass `onAdvance` to move a
 * manual clock in step (`(ms) => clock.advance(nanosFromMillis(ms))`).
 */
export function manualTimers(onAdvance?: (ms: number) => void): Timers & {
  advance(ms: number): void;
  pending(): number;
} {
  let now = 0;
  let counter = 0;
  const timers = new Map<number, Pending>();
  return {
    setTimeout(fn, ms) {
      const id = ++counter;
      timers.set(id, { due: now + Math.max(0, ms), order: id, fn });
      return id;
    },
    clearTimeout(handle) {
      if (typeof handle === 'number') timers.delete(handle);
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        const next = [...timers.entries()]
          .filter(([, t]) => t.due <= target)
          .sort(([, a], [, b]) => a.due - b.due || a.order - b.order)[0];
        if (!next) break;
        const [id, timer] = next;
        timers.delete(id);
        onAdvance?.(timer.due - now);
        now = timer.due;
        timer.fn();
      }
      onAdvance?.(target - now);
      now = target;
    },
    pending: () => timers.size,
  };
}
