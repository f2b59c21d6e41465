import { describe, expect, it } from 'vitest';
import { capacityShortfalls, NO_CAPACITY, queueCapacity } from './capacity.js';

const max = { CPU: 2, Memory: 4_000, Disk: 0, GPU: 1 };
const cpu = (cores: number) => ({ ...NO_CAPACITY, CPU: cores });

describe('capacityShortfalls', () => {
  it('fits up to the advertised amount times the overcommit, never GPUs past the advertised', () => {
    expect(capacityShortfalls(cpu(1), cpu(2.5), max, 1.5)).toEqual([
      { resource: 'CPU', needs: 1000, free: 500, never: false },
    ]);
    expect(capacityShortfalls(cpu(1), cpu(1.5), max, 1.5)).toEqual([]);
    expect(capacityShortfalls({ ...NO_CAPACITY, GPU: 1 }, { ...NO_CAPACITY, GPU: 1 }, max, 3)).toEqual([
      { resource: 'GPU', needs: 1, free: 0, never: false },
    ]);
  });

  it('adds the queue to the room, but never lets a task past what the node can run at once', () => {
    const queue = queueCapacity(max, 1);
    expect(queue).toEqual({ CPU: 2, Memory: 4_000, Disk: 0, GPU: 1 });
    // 2 running + 1.5 waiting, 0.5 more fits in the queue.
    expect(capacityShortfalls(cpu(0.5), cpu(3.5), max, 1, queue)).toEqual([]);
    expect(capacityShortfalls(cpu(1), cpu(3.5), max, 1, queue)).toEqual([
      { resource: 'CPU', needs: 1000, free: 500, never: false },
    ]);
    // Bigger than the node: the queue does not count, and the free figure is what it could run.
    expect(capacityShortfalls(cpu(3), NO_CAPACITY, max, 1, queue)).toEqual([
      { resource: 'CPU', needs: 3000, free: 2000, never: true },
    ]);
  });

  it('offers no queue at a factor of 0, and whole units at a fraction', () => {
    expect(queueCapacity(max, 0)).toEqual(NO_CAPACITY);
    expect(queueCapacity({ CPU: 1.5, Memory: 3, Disk: 1, GPU: 1 }, 0.5)).toEqual({
      CPU: 0.75,
      Memory: 1,
      Disk: 0,
      GPU: 0,
    });
  });
});
