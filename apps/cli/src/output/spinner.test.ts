import { describe, expect, it } from 'vitest';
import { bufferIO } from '../io.js';
import { startStatus } from './spinner.js';

describe('startStatus', () => {
  it('off a terminal prints each new status once, as a plain line', () => {
    const io = bufferIO();
    const status = startStatus(io);
    status.update('Pending');
    status.update('Pending');
    status.update('Running');
    status.done('Running');
    status.update('after done');
    expect(io.stderr).toBe('Pending\nRunning\n');
    expect(io.stdout).toBe('');
  });

  it('on a terminal rewrites one line in place and leaves the final text', () => {
    const io = Object.assign(bufferIO(), { isTTY: true });
    const status = startStatus(io, { intervalMs: 60_000 });
    status.update('Pending');
    status.update('Running');
    status.done('Completed');
    expect(io.stderr).toBe('\r\u001b[K⠋ Pending\r\u001b[K⠋ Running\r\u001b[KCompleted\n');
    expect(io.stdout).toBe('');
  });
});
