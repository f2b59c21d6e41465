import { ErrorCode, type Evaluation, EvaluationTrigger, type Job } from '@shoal/models';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeEvaluation, makeJob, tick } from './fixtures.js';
import { rejection, type StoreContext } from './harness.js';

const SECOND = 1_000_000_000n;
/** Later than every time the fixtures make, so every evaluation is due and every lease expired. */
const FAR = 1n << 62n;

export function evaluationsContract(ctx: StoreContext): void {
  describe('evaluations', () => {
    let job: Job;

    // The queue is shared by the whole store: finish what other tests left so claims see ours only.
    beforeEach(async () => {
      for (let left = await ctx.store.evaluations.claimNext('drain', FAR, 1n); left; ) {
        await ctx.store.evaluations.finish(left.ID, 'drain', 'cancelled', 'drained by the test', FAR);
        left = await ctx.store.evaluations.claimNext('drain', FAR, 1n);
      }
      job = makeJob();
      await ctx.store.jobs.insert(job);
    });

    const insert = async (overrides: Partial<Evaluation> = {}) => {
      const evaluation = makeEvaluation(job, overrides);
      await ctx.store.evaluations.insert(evaluation);
      return evaluation;
    };

    it('stores and reads evaluations', async () => {
      const evaluation = await insert({ Priority: 3, WaitUntil: 1695883778909107178n });
      expect(await ctx.store.evaluations.get(evaluation.ID)).toEqual(evaluation);
      const missing = await rejection(ctx.store.evaluations.get('nope'), ErrorCode.NotFound);
      expect(missing.message).toBe('evaluation not found: nope');
    });

    it('claims by priority, then age, only when due, and only of the given triggers', async () => {
      const now = tick() + SECOND;
      const low = await insert({ Priority: 0 });
      const high = await insert({ Priority: 5 });
      const older = await insert({ Priority: 1 });
      const newer = await insert({ Priority: 1 });
      const later = await insert({ Priority: 9, WaitUntil: now + SECOND });
      const stop = await insert({ Priority: -1, TriggeredBy: EvaluationTrigger.JobStop });

      expect((await ctx.store.evaluations.claimNext('w', now, SECOND, [EvaluationTrigger.JobStop]))?.ID).toBe(
        stop.ID,
      );
      expect(
        await ctx.store.evaluations.claimNext('w', now, SECOND, [EvaluationTrigger.JobStop]),
      ).toBeUndefined();
      expect(await ctx.store.evaluations.claimNext('w', now, SECOND, [])).toBeUndefined();
      const order = [];
      for (let e = await ctx.store.evaluations.claimNext('w', now, SECOND); e; ) {
        order.push(e.ID);
        e = await ctx.store.evaluations.claimNext('w', now, SECOND);
      }
      expect(order).toEqual([high.ID, older.ID, newer.ID, low.ID]);
      // Due now; the leases taken above are still held.
      expect((await ctx.store.evaluations.claimNext('w', now + SECOND, SECOND))?.ID).toBe(later.ID);
    });

    it('claims a batch in claim order, leaves the rest, and finishes it in one call', async () => {
      const now = tick() + SECOND;
      const low = await insert({ Priority: 0 });
      const high = await insert({ Priority: 5 });
      const older = await insert({ Priority: 1 });
      const newer = await insert({ Priority: 1 });
      const batch = await ctx.store.evaluations.claimBatch('w', now, SECOND, 3);
      expect(batch.map((e) => e.ID)).toEqual([high.ID, older.ID, newer.ID]);
      // Another worker gets only what is left; the batch's leases hold.
      expect((await ctx.store.evaluations.claimBatch('other', now, SECOND, 10)).map((e) => e.ID)).toEqual([
        low.ID,
      ]);
      expect(await ctx.store.evaluations.claimBatch('w', now, SECOND, 0)).toEqual([]);

      await ctx.store.evaluations.finishMany(
        'w',
        batch.map((e, i) => ({ id: e.ID, status: i === 0 ? 'failed' : 'complete', comment: `done ${i}` })),
        now,
      );
      const done = await Promise.all(batch.map((e) => ctx.store.evaluations.get(e.ID)));
      expect(done.map((e) => [e.Status, e.Comment])).toEqual([
        ['failed', 'done 0'],
        ['complete', 'done 1'],
        ['complete', 'done 2'],
      ]);
      // A batch member no longer held (the lease went to `other`) fails the whole call.
      const lost = await rejection(
        ctx.store.evaluations.finishMany('w', [{ id: low.ID, status: 'complete', comment: 'x' }], now),
        ErrorCode.Conflict,
      );
      expect(lost.message).toBe(`evaluation ${low.ID} is not held by w (held by other)`);
    });

    it('finds the jobs waiting for room or nodes, once each until their evaluation is taken', async () => {
      const queued = makeJob({ State: { StateType: 'Queued', Message: 'no room' } });
      const daemon = makeJob({ Type: 'daemon', State: { StateType: 'Running', Message: '' } });
      const done = makeJob({ Type: 'daemon', State: { StateType: 'Completed', Message: '' } });
      const pending = makeJob({ State: { StateType: 'Pending', Message: '' } });
      for (const j of [queued, daemon, done, pending]) await ctx.store.jobs.insert(j);
      const mine = new Set([queued.ID, daemon.ID, done.ID, pending.ID]);
      const waiting = async (daemons: boolean) =>
        (await ctx.store.scheduling.waitingJobs({ daemons })).filter((j) => mine.has(j.ID)).map((j) => j.ID);

      expect(await waiting(false)).toEqual([queued.ID]);
      expect((await waiting(true)).sort()).toEqual([queued.ID, daemon.ID].sort());
      await ctx.store.evaluations.insertMany([
        makeEvaluation(queued, { TriggeredBy: EvaluationTrigger.NodeUpdate, WaitUntil: 0n }),
      ]);
      expect(await waiting(true)).toEqual([daemon.ID]);
    });

    it('serves the queue first come, first served: priority, then submit time; limit takes the head', async () => {
      const at = (seconds: bigint) => 1_800_000_000_000_000_000n + seconds * 1_000_000_000n;
      const queued = (createdAt: bigint, Priority = 0) =>
        makeJob({ Priority, CreateTime: at(createdAt), State: { StateType: 'Queued', Message: 'no room' } });
      // Submitted in this order; ids are random, so id order says nothing about it.
      const [first, second, third, urgent] = [queued(1n), queued(2n), queued(3n), queued(4n, 1000)];
      const jobs = [third, first, urgent, second];
      for (const j of jobs) await ctx.store.jobs.insert(j);
      const mine = new Set(jobs.map((j) => j.ID));
      const order = async (limit?: number) =>
        (await ctx.store.scheduling.waitingJobs({ daemons: false, ...(limit ? { limit } : {}) }))
          .filter((j) => mine.has(j.ID))
          .map((j) => j.ID);
      expect(await order()).toEqual([urgent.ID, first.ID, second.ID, third.ID]);
      const head = await ctx.store.scheduling.waitingJobs({ daemons: false, limit: 1 });
      expect(head.map((j) => [j.ID, j.CreateTime])).toEqual([[urgent.ID, at(4n)]]);
    });

    it('skips a leased evaluation until its lease expires, then the new holder finishes it', async () => {
      const evaluation = await insert();
      const now = tick();
      const claimed = await ctx.store.evaluations.claimNext('first', now, 10n * SECOND);
      expect(claimed).toEqual(evaluation); // still pending: only the lease changed
      expect(
        await ctx.store.evaluations.claimNext('second', now + 5n * SECOND, 10n * SECOND),
      ).toBeUndefined();

      const reclaimed = await ctx.store.evaluations.claimNext('second', now + 11n * SECOND, 10n * SECOND);
      expect(reclaimed?.ID).toBe(evaluation.ID);
      const lost = await rejection(
        ctx.store.evaluations.finish(evaluation.ID, 'first', 'complete', 'done', now + 12n * SECOND),
        ErrorCode.Conflict,
      );
      expect(lost.message).toBe(`evaluation ${evaluation.ID} is not held by first (held by second)`);

      const done = now + 13n * SECOND;
      await ctx.store.evaluations.finish(evaluation.ID, 'second', 'complete', 'scheduled', done);
      expect(await ctx.store.evaluations.get(evaluation.ID)).toEqual({
        ...evaluation,
        Status: 'complete',
        Comment: 'scheduled',
        ModifyTime: done,
      });
      expect(await ctx.store.evaluations.claimNext('third', FAR, SECOND)).toBeUndefined();
      await rejection(
        ctx.store.evaluations.finish(evaluation.ID, 'second', 'complete', '', done),
        ErrorCode.Conflict,
      );
      await rejection(
        ctx.store.evaluations.finish('nope', 'second', 'complete', '', done),
        ErrorCode.NotFound,
      );
    });

    it('never hands one evaluation to two concurrent claimers', async () => {
      const inserted = [];
      for (let i = 0; i < 40; i++) inserted.push((await insert({ Priority: i % 4 })).ID);
      const now = tick() + SECOND;
      const claimer = async (worker: string) => {
        const mine: string[] = [];
        for (let e = await ctx.store.evaluations.claimNext(worker, now, 60n * SECOND); e; ) {
          mine.push(e.ID);
          e = await ctx.store.evaluations.claimNext(worker, now, 60n * SECOND);
        }
        return mine;
      };
      const claims = await Promise.all(['a', 'b', 'c', 'd', 'e'].map(claimer));
      const everything = claims.flat();
      expect(new Set(everything).size).toBe(everything.length);
      expect([...everything].sort()).toEqual([...inserted].sort());
    });
  });
}
