import { describe, expect, it } from 'vitest';
import { SheddingQueue } from './shedding-queue.js';

/** A task that ends when the test says so. */
function gate() {
  let open: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { done, open };
}

describe('SheddingQueue', () => {
  it('runs at most `limit` at a time, the rest in arrival order', async () => {
    let now = 0;
    const queue = new SheddingQueue({ limit: 2, staleAfterMs: 1_000, now: () => now });
    const started: number[] = [];
    const gates = [gate(), gate(), gate(), gate()];
    gates.forEach((g, i) => {
      queue.push(async () => {
        started.push(i);
        await g.done;
      });
    });
    expect(started).toEqual([0, 1]);
    expect(queue.queued).toBe(2);
    now = 500;
    gates[1]?.open();
    await gates[1]?.done;
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    gates[0]?.open();
    await gates[0]?.done;
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it('drops what waited past staleAfterMs instead of running it', async () => {
    let now = 0;
    const dropped: number[] = [];
    const queue = new SheddingQueue({
      limit: 1,
      staleAfterMs: 100,
      now: () => now,
      onDrop: (ms) => dropped.push(ms),
    });
    const first = gate();
    const ran: string[] = [];
    queue.push(async () => {
      ran.push('first');
      await first.done;
    });
    queue.push(async () => void ran.push('stale'));
    now = 150;
    queue.push(async () => void ran.push('fresh'));
    now = 200;
    first.open();
    await first.done;
    await Promise.resolve();
    await Promise.resolve();
    expect(ran).toEqual(['first', 'fresh']);
    expect(dropped).toEqual([200]);
    expect(queue.queued).toBe(0);
  });

  it('refuses a limit below one', () => {
    expect(() => new SheddingQueue({ limit: 0, staleAfterMs: 1 })).toThrow(/positive integer/);
  });
});
