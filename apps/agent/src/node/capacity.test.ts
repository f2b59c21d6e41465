import { makeTempDir } from '@shoal/testkit';
import { describe, expect, it } from 'vitest';
import { CapacityConfigError, CapacityTracker, requestFromResources, toCapacity } from './capacity.js';
import { type HostProbe, resolveCapacity } from './host-capacity.js';

const probe: HostProbe = { cpuCores: () => 8, memoryBytes: () => 16e9, freeDiskBytes: () => 500e9 };

describe('resolveCapacity', () => {
  it('offers 80% of the host by default', () => {
    expect(resolveCapacity({ dataDir: '/x', probe })).toEqual({
      cpuMillis: 6400,
      memoryBytes: 12.8e9,
      diskBytes: 400e9,
      gpu: 0,
    });
  });

  it('takes operator flags as given, strings or numbers', () => {
    const c = resolveCapacity({ dataDir: '/x', probe, cpu: '1500m', memory: '2Gi', disk: 1e9, gpu: '2' });
    expect(c).toEqual({ cpuMillis: 1500, memoryBytes: 2 * 1024 ** 3, diskBytes: 1e9, gpu: 2 });
    expect(resolveCapacity({ dataDir: '/x', probe, cpu: 2.5, fraction: 0.5 }).cpuMillis).toBe(2500);
  });

  it('reads the real host', async () => {
    const dir = await makeTempDir();
    try {
      const c = resolveCapacity({ dataDir: dir.path });
      expect(c.cpuMillis).toBeGreaterThan(0);
      expect(c.memoryBytes).toBeGreaterThan(0);
      expect(c.diskBytes).toBeGreaterThanOrEqual(0);
      expect(c.gpu).toBe(0);
    } finally {
      await dir.cleanup();
    }
  });

  it.each([
    [{ cpu: -1 }, /CPU capacity must be a non-negative number, got -1/],
    [{ cpu: Number.NaN }, /CPU capacity must be a non-negative number, got NaN/],
    [{ cpu: 1e12 }, /absurd capacity: CPU must be above 0 and at most 100000 cores, got 1000000000000/],
    [{ cpu: '1e12' }, /CPU capacity: invalid CPU "1e12": must be at most 1000000 cores/],
    [{ memory: '-5Gb' }, /memory capacity: invalid memory "-5Gb": must be greater than zero/],
    [{ memory: 0 }, /memory must be a positive whole number of bytes, got 0/],
    [{ gpu: 5000 }, /GPU must be a whole number from 0 to 1024, got 5000/],
    [{ fraction: 0 }, /fraction must be above 0 and at most 1, got 0/],
    [{ fraction: 1.5 }, /fraction must be above 0 and at most 1, got 1.5/],
  ])('refuses absurd configuration %o', (flags, message) => {
    expect(() => resolveCapacity({ dataDir: '/x', probe, ...flags })).toThrow(CapacityConfigError);
    expect(() => resolveCapacity({ dataDir: '/x', probe, ...flags })).toThrow(message);
  });
});

describe('CapacityTracker', () => {
  const total = { cpuMillis: 2000, memoryBytes: 2e9, diskBytes: 0, gpu: 0 };
  const task = requestFromResources({ CPU: '1', Memory: '1Gb' });

  it('reserves until full, refuses with a reason, and frees on release', () => {
    const tracker = new CapacityTracker(total);
    expect(tracker.tryReserve('e-1', task)).toEqual({ ok: true, waits: false });
    expect(tracker.tryReserve('e-2', task)).toEqual({ ok: true, waits: false });
    expect(tracker.available()).toEqual({ cpuMillis: 0, memoryBytes: 0, diskBytes: 0, gpu: 0 });
    expect(tracker.tryReserve('e-3', task)).toEqual({
      ok: false,
      reason: 'not enough CPU: needs 1 core, 0 cores available; not enough memory: needs 1 GB, 0 B available',
      outOfCapacity: true,
    });
    expect(tracker.release('e-1')).toEqual(task);
    expect(tracker.release('e-1')).toBeUndefined();
    expect(tracker.tryReserve('e-3', task)).toEqual({ ok: true, waits: false });
    expect(tracker.allocated()).toEqual({ cpuMillis: 2000, memoryBytes: 2e9, diskBytes: 0, gpu: 0 });
  });

  it('reserves once per execution', () => {
    const tracker = new CapacityTracker(total);
    tracker.tryReserve('e-1', task);
    tracker.tryReserve('e-1', task);
    expect(tracker.available().cpuMillis).toBe(1000);
  });

  it('shows at most what the node advertises as available, even when it may book past it', () => {
    const tracker = new CapacityTracker(total);
    tracker.setOvercommit(1.5);
    expect(tracker.available().cpuMillis).toBe(total.cpuMillis);
    tracker.tryReserve('e-1', task);
    expect(tracker.available().cpuMillis).toBe(total.cpuMillis - task.cpuMillis);
  });

  it('holds recovered work even beyond the total, and never shows negative availability', () => {
    const tracker = new CapacityTracker(total);
    tracker.hold('e-1', { ...task, cpuMillis: 3000 });
    expect(tracker.available().cpuMillis).toBe(0);
  });

  it('lets work wait in a queue beyond what runs, and admits it in order as room frees', () => {
    const tracker = new CapacityTracker(total, 1);
    expect(tracker.queue).toEqual({ cpuMillis: 2000, memoryBytes: 2e9, diskBytes: 0, gpu: 0 });
    expect(tracker.tryReserve('e-1', task)).toEqual({ ok: true, waits: false });
    expect(tracker.tryReserve('e-2', task)).toEqual({ ok: true, waits: false });
    expect(tracker.tryReserve('e-3', task)).toEqual({ ok: true, waits: true });
    expect(tracker.tryReserve('e-4', task)).toEqual({ ok: true, waits: true });
    // Running and queue both full: refused for room, which waiting may give.
    expect(tracker.tryReserve('e-5', task)).toMatchObject({ ok: false, outOfCapacity: true });
    expect(tracker.waitingCount).toBe(2);
    expect(tracker.running()).toEqual({ cpuMillis: 2000, memoryBytes: 2e9, diskBytes: 0, gpu: 0 });
    expect(tracker.admit()).toEqual([]);
    tracker.release('e-2');
    expect(tracker.admit()).toEqual(['e-3']);
    expect(tracker.isWaiting('e-3')).toBe(false);
    expect(tracker.isWaiting('e-4')).toBe(true);
    // Releasing a waiting reservation takes it out of the line.
    tracker.release('e-4');
    expect(tracker.waitingCount).toBe(0);
  });

  it('starts no one out of turn: a small task waits behind a large one', () => {
    const tracker = new CapacityTracker(total, 2);
    const small = requestFromResources({ CPU: '500m', Memory: '100Mb' });
    const large = requestFromResources({ CPU: '2', Memory: '1Gb' });
    expect(tracker.tryReserve('running', task)).toEqual({ ok: true, waits: false });
    expect(tracker.tryReserve('large', large)).toEqual({ ok: true, waits: true });
    // It would fit beside what runs, but the large one came first.
    expect(tracker.tryReserve('small', small)).toEqual({ ok: true, waits: true });
    expect(tracker.admit()).toEqual([]);
    tracker.release('running');
    expect(tracker.admit()).toEqual(['large']);
    expect(tracker.admit()).toEqual([]);
    tracker.readmit('large');
    expect(tracker.admit()).toEqual(['large']);
  });

  it('never queues a task larger than the node can run at once', () => {
    const tracker = new CapacityTracker(total, 10);
    expect(tracker.tryReserve('huge', requestFromResources({ CPU: '3', Memory: '1Gb' }))).toEqual({
      ok: false,
      reason: 'not enough CPU: needs 3 cores, 2 cores available (this node has 2 cores in total)',
      outOfCapacity: false,
    });
  });

  it('puts recovered waiting work back in line', () => {
    const tracker = new CapacityTracker(total, 1);
    tracker.hold('w', task, true);
    expect(tracker.isWaiting('w')).toBe(true);
    expect(tracker.admit()).toEqual(['w']);
  });

  it('reports capacity in cores and bytes', () => {
    expect(toCapacity({ cpuMillis: 1500, memoryBytes: 10, diskBytes: 20, gpu: 1 })).toEqual({
      CPU: 1.5,
      Memory: 10,
      Disk: 20,
      GPU: 1,
    });
  });

  it('refuses an absurd total', () => {
    expect(() => new CapacityTracker({ ...total, cpuMillis: -1 })).toThrow(CapacityConfigError);
  });
});
