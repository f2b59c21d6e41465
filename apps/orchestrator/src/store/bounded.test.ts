import { ErrorCode } from '@shoal/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bounded, boundedCalls } from './bounded.js';
import { Deadline, type Timers } from './deadline.js';
import { openStore } from './open.js';
import { makeJob } from './testing/fixtures.js';
import { rejection } from './testing/harness.js';
import type { Repos, Store } from './types.js';

/** Timers that only move when told to: deadlines pass exactly when a test says so. */
function manualTimers(): Timers & { advance(ms: number): void } {
  let now = 0;
  let next = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      due.set(++next, { at: now + ms, fn });
      return next;
    },
    clearTimeout: (handle) => void due.delete(handle as number),
    advance(ms) {
      now += ms;
      for (const [id, timer] of [...due]) {
        if (timer.at > now) continue;
        due.delete(id);
        timer.fn();
      }
    },
  };
}

const never = () => new Promise<never>(() => {});

describe('Deadline', () => {
  it('settles with the work when it answers in time', async () => {
    const timers = manualTimers();
    await expect(Deadline.after(2_000, timers).race(async () => 7)).resolves.toBe(7);
    await expect(Deadline.after(2_000, timers).race(() => Promise.reject(new Error('own')))).rejects.toThrow(
      'own',
    );
  });

  it('fails Unavailable when the deadline passes first, and says so once', async () => {
    const timers = manualTimers();
    let expired = 0;
    const racing = Deadline.after(2_000, timers).race(never, () => expired++);
    timers.advance(1_999);
    expect(expired).toBe(0);
    timers.advance(1);
    const error = await rejection(racing, ErrorCode.Unavailable);
    expect(error).toMatchObject({
      message: 'store unavailable: no answer within 2s',
      status: 503,
      retryable: true,
    });
    expect(expired).toBe(1);
  });

  it('does not start work once the deadline has passed', async () => {
    const timers = manualTimers();
    const deadline = Deadline.after(100, timers);
    timers.advance(100);
    let started = false;
    await rejection(
      deadline.race(async () => {
        started = true;
      }),
      ErrorCode.Unavailable,
    );
    expect(started).toBe(false);
  });

  it('picks the earliest of several', () => {
    const timers = manualTimers();
    const [late, early] = [Deadline.after(2_000, timers), Deadline.after(500, timers)];
    expect(Deadline.earliest([late, early])).toBe(early);
    expect(Deadline.earliest([])).toBeUndefined();
  });
});

describe('the bounded store', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ url: 'pglite:memory' });
  });
  afterAll(async () => {
    await store.close();
  });

  /** The store with a lookup that never answers, counting the stalls reported to it. */
  const silent = () => {
    const stalls = { count: 0 };
    const view: Store = {
      ...store,
      jobs: { ...store.jobs, get: never },
      stalled: async () => {
        stalls.count++;
      },
    };
    return { view, stalls };
  };

  it('answers 503 by the deadline for a call that gets no answer, and reports the stall', async () => {
    const timers = manualTimers();
    const { view, stalls } = silent();
    const call = bounded(view, Deadline.after(2_000, timers)).jobs.get('j-1');
    timers.advance(2_000);
    await rejection(call, ErrorCode.Unavailable);
    expect(stalls.count).toBe(1);
  });

  it('rolls back a transaction whose deadline passed while it ran, instead of committing it', async () => {
    const timers = manualTimers();
    const job = makeJob();
    let resume!: () => void;
    const paused = new Promise<void>((resolve) => {
      resume = resolve;
    });
    let inside!: () => void;
    const running = new Promise<void>((resolve) => {
      inside = resolve;
    });
    let after: unknown;
    const attempt = bounded(store, Deadline.after(2_000, timers)).transaction(async (tx) => {
      inside();
      await paused;
      after = await tx.jobs.insert(job).catch((error: unknown) => error);
    });
    await running;
    timers.advance(2_000);
    await rejection(attempt, ErrorCode.Unavailable);
    resume();
    // The insert the transaction tried after its deadline failed, and nothing was committed.
    await expect.poll(() => after).toMatchObject({ code: ErrorCode.Unavailable });
    await rejection(store.jobs.get(job.ID), ErrorCode.NotFound);
  });

  /** A repository of the stuck store below: any method name answers (never). */
  type AnyRepo = { anything(): Promise<unknown> };

  it('bounds every repository, in a transaction too, each wrapped once per view', async () => {
    const repos = Object.keys(store).filter(
      (key) => typeof (store as unknown as Record<string, unknown>)[key] === 'object' && key !== 'warnings',
    );
    expect(repos.length).toBeGreaterThanOrEqual(13);
    // Every method of every repository waits forever: each call must still end by the deadline.
    const stuckRepos = Object.fromEntries(
      repos.map((key) => [key, new Proxy({}, { get: () => never })]),
    ) as unknown as Repos;
    // The commit guard is armed before the transaction's own work starts: that call answers.
    const txRepos = {
      ...stuckRepos,
      commitGuard: new Proxy({}, { get: (_, key) => (key === 'setDeadline' ? async () => {} : never) }),
    } as unknown as Repos;
    const view: Store = { ...store, ...stuckRepos, transaction: (fn) => fn(txRepos) };
    const timers = manualTimers();
    const boundedView = bounded(view, Deadline.after(2_000, timers)) as unknown as Record<string, unknown>;
    expect(boundedView.jobs).toBe(boundedView.jobs);
    const calls = repos.map((key) => (boundedView[key] as AnyRepo).anything());
    let txView: Record<string, AnyRepo | undefined> | undefined;
    const tx = (boundedView as unknown as Store).transaction(async (t) => {
      txView = t as unknown as typeof txView;
      return never();
    });
    await expect.poll(() => txView).toBeDefined();
    timers.advance(2_000);
    for (const call of calls) await rejection(call, ErrorCode.Unavailable);
    await rejection(tx, ErrorCode.Unavailable);
    // Within the transaction, a call made once the deadline has passed fails at once.
    for (const key of repos) await rejection(txView?.[key]?.anything() ?? never(), ErrorCode.Unavailable);
  });

  it('gives each call its own deadline when bounded per call', async () => {
    const timers = manualTimers();
    const { view } = silent();
    const perCall = boundedCalls(view, 2_000, timers);
    const job = makeJob();
    timers.advance(1_500);
    await perCall.jobs.insert(job);
    timers.advance(1_500);
    expect(
      (
        await perCall.jobs.list({
          namespace: '*',
          selector: { requirements: [] },
          limit: 1,
          orderBy: 'id',
          reverse: false,
        })
      ).items,
    ).toHaveLength(1);
    const stuck = perCall.jobs.get(job.ID);
    timers.advance(2_000);
    await rejection(stuck, ErrorCode.Unavailable);
  });
});
