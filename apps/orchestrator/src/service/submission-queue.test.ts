import type { IdGenerator, PutJobResponse } from '@shoal/models';
import { createIdGenerator, ErrorCode, isShoalError, manualClock } from '@shoal/models';
import { waitFor } from '@shoal/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/index.js';
import type { Repos, Store } from '../store/types.js';
import { JobService } from './job-service.js';

/** Group commit against the real store: how submissions are batched, and how failures stay apart. */

let store: Store;
const clock = manualClock(1_700_000_000_000_000_000n);
const job = (extra: Record<string, unknown> = {}) => ({
  Type: 'batch',
  Tasks: [{ Name: 't', Engine: { Type: 'docker', Params: { Image: 'ubuntu:latest' } } }],
  ...extra,
});

beforeAll(async () => {
  store = await openStore({ url: 'pglite:memory' });
});
afterAll(async () => {
  await store.close();
});

/**
 * The store with its transactions watched: how many began, how many jobs each one inserted, and a
 * hold that keeps the next ones from starting until released (a write in flight, on demand).
 */
function watched(base: Store) {
  const batches: number[] = [];
  let begun = 0;
  let gate: Promise<void> = Promise.resolve();
  const spy = (tx: Repos): Repos => ({
    ...tx,
    bulk: {
      ...tx.bulk,
      insertNewJobs: (list) => {
        batches.push(list.length);
        return tx.bulk.insertNewJobs(list);
      },
    },
  });
  const wrapped: Store = {
    ...base,
    async transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T> {
      begun++;
      await gate;
      return base.transaction((tx) => fn(spy(tx)));
    },
  };
  const hold = () => {
    let release = () => {};
    gate = new Promise((resolve) => {
      release = resolve;
    });
    return release;
  };
  return { store: wrapped, batches, begun: () => begun, hold };
}

const serviceOn = (s: Store, extra: { ids?: IdGenerator; maxSubmissionBatch?: number } = {}) =>
  new JobService({ store: s, clock, ...extra, ids: extra.ids ?? createIdGenerator() });

async function expectStored({ JobID, EvaluationID }: PutJobResponse): Promise<void> {
  expect((await store.evaluations.get(EvaluationID)).JobID).toBe(JobID);
  const history = await store.history.list(JobID, { since: 0n, eventType: 'all', limit: 10 });
  expect(history.items.map((e) => [e.JobState, e.Comment])).toEqual([
    [{ Previous: 'Pending', New: 'Pending' }, 'Job created'],
  ]);
}

describe('the submission queue', () => {
  it('writes concurrent submissions in one transaction, each caller getting its own ids', async () => {
    const w = watched(store);
    const service = serviceOn(w.store);
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => service.submit(job({ Name: `g${i}` }))),
    );
    expect(w.begun()).toBe(1);
    expect(w.batches).toEqual([20]);
    expect(new Set(replies.map((r) => r.JobID)).size).toBe(20);
    expect(new Set(replies.map((r) => r.EvaluationID)).size).toBe(20);
    for (const [i, reply] of replies.entries()) {
      expect((await store.jobs.get(reply.JobID)).Name).toBe(`g${i}`);
      await expectStored(reply);
    }
  });

  it('gathers what arrives during a write into the next ones, at most maxSubmissionBatch each', async () => {
    const w = watched(store);
    const service = serviceOn(w.store, { maxSubmissionBatch: 4 });
    const release = w.hold();
    const first = service.submit(job());
    await waitFor(() => w.begun() === 1, { message: 'the first write never began' });
    const later = Array.from({ length: 10 }, () => service.submit(job()));
    release();
    const replies = await Promise.all([first, ...later]);
    expect(w.batches).toEqual([1, 4, 4, 2]);
    for (const reply of replies) await expectStored(reply);
  });

  it('answers an invalid job at once, even while a write is in flight, and never queues it', async () => {
    const w = watched(store);
    const service = serviceOn(w.store);
    const release = w.hold();
    const valid = service.submit(job());
    await waitFor(() => w.begun() === 1, { message: 'the first write never began' });
    const invalid = await service.submit(job({ Type: 'cron' })).catch((e: unknown) => e);
    expect(isShoalError(invalid) && invalid.code).toBe(ErrorCode.Validation);
    release();
    await expectStored(await valid);
    expect(w.batches).toEqual([1]);
  });

  it('fails only the submission that fails, with its own error', async () => {
    const taken = (await serviceOn(store).submit(job({ Name: 'first-owner' }))).JobID;
    const base = createIdGenerator();
    let n = 0;
    // The third submission is given the id of a stored job, so its insert conflicts.
    const ids: IdGenerator = { ...base, job: () => (++n === 3 ? taken : base.job()) };
    const w = watched(store);
    const service = serviceOn(w.store, { ids });
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => service.submit(job())));
    // The batch failed whole, then each submission was written alone.
    expect(w.batches).toEqual([6, 1, 1, 1, 1, 1, 1]);
    const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [[i, o.reason]] : []));
    expect(failed).toHaveLength(1);
    expect(failed[0]?.[0]).toBe(2);
    expect(failed[0]?.[1]).toMatchObject({ code: ErrorCode.Conflict, status: 409 });
    for (const o of outcomes) if (o.status === 'fulfilled') await expectStored(o.value);
    expect((await store.jobs.get(taken)).Name).toBe('first-owner');
  });

  it('fails every submission of a batch at once when the database is gone', async () => {
    const closed = await openStore({ url: 'pglite:memory' });
    await closed.close();
    const w = watched(closed);
    const service = serviceOn(w.store);
    const outcomes = await Promise.allSettled(Array.from({ length: 3 }, () => service.submit(job())));
    expect(outcomes.map((o) => o.status === 'rejected' && o.reason.code)).toEqual(
      Array(3).fill(ErrorCode.Unavailable),
    );
    expect(w.begun()).toBe(1); // no retries one by one
  });

  it('answers a token already used, and one given twice in a batch, with the first job: one lookup per batch', async () => {
    const service = serviceOn(store);
    const first = await service.submit(job({ Name: 'tok-first' }), { idempotencyToken: 'tok-a' });
    const w = watched(store);
    let lookups = 0;
    const counting: Store = {
      ...w.store,
      transaction: (fn) =>
        w.store.transaction((tx) =>
          fn({
            ...tx,
            submissionTokens: {
              ...tx.submissionTokens,
              findMany: (keys) => {
                lookups++;
                return tx.submissionTokens.findMany(keys);
              },
            },
          }),
        ),
    };
    const batchService = serviceOn(counting);
    const [again, newA, newB, plain] = await Promise.all([
      batchService.submit(job({ Name: 'tok-again' }), { idempotencyToken: 'tok-a' }),
      batchService.submit(job({ Name: 'tok-b1' }), { idempotencyToken: 'tok-b' }),
      batchService.submit(job({ Name: 'tok-b2' }), { idempotencyToken: 'tok-b' }),
      batchService.submit(job({ Name: 'no-token' })),
    ]);
    expect(again).toMatchObject({ JobID: first.JobID, EvaluationID: first.EvaluationID });
    expect(newB).toMatchObject({ JobID: newA?.JobID, EvaluationID: newA?.EvaluationID });
    expect(plain?.JobID).not.toBe(newA?.JobID);
    expect(w.batches).toEqual([2]); // tok-b's first and the one without a token
    expect(lookups).toBe(1);
    expect((await store.jobs.get(newA?.JobID ?? '')).Name).toBe('tok-b1');
    if (newA) await expectStored(newA);
  });
});
