import { manualClock, nanosFromMillis } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { manualTimers } from '../testing/manual-timers.js';
import { ProgressThrottle } from './progress.js';

function setup() {
  const clock = manualClock();
  const timers = manualTimers((ms) => clock.advance(nanosFromMillis(ms)));
  const sent: string[] = [];
  const throttle = new ProgressThrottle({
    intervalMs: 1000,
    clock,
    timers,
    emit: (id, message) => sent.push(`${id}:${message}`),
  });
  return { timers, sent, throttle };
}

describe('ProgressThrottle', () => {
  it('sends the first at once, coalesces the rest, and flushes the latest when the interval ends', () => {
    const { timers, sent, throttle } = setup();
    throttle.push('e-1', 'a');
    throttle.push('e-1', 'b');
    throttle.push('e-1', 'c');
    throttle.push('e-2', 'x'); // executions are limited separately
    expect(sent).toEqual(['e-1:a', 'e-2:x']);
    timers.advance(999);
    expect(sent).toHaveLength(2);
    timers.advance(1);
    expect(sent).toEqual(['e-1:a', 'e-2:x', 'e-1:c']);
    timers.advance(5000);
    throttle.push('e-1', 'd');
    expect(sent.at(-1)).toBe('e-1:d');
  });

  it('drops what is pending for a finished execution', () => {
    const { timers, sent, throttle } = setup();
    throttle.push('e-1', 'a');
    throttle.push('e-1', 'b');
    throttle.forget('e-1');
    timers.advance(2000);
    expect(sent).toEqual(['e-1:a']);
    expect(timers.pending()).toBe(0);
  });
});
