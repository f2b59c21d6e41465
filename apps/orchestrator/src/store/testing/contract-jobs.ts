import { ErrorCode, type Job, JobStateType, shortId } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { ids, jobEvent, makeEvaluation, makeJob, SEED_TIME, tick, unique } from './fixtures.js';
import { rejection, type StoreContext } from './harness.js';

export function jobsContract(ctx: StoreContext): void {
  describe('creating jobs', () => {
    it('stores a job, its first history event and its evaluation in one transaction', async () => {
      const job = makeJob({ CreateTime: SEED_TIME, ModifyTime: SEED_TIME + 1n, Labels: { env: 'prod' } });
      const evaluation = makeEvaluation(job);
      await ctx.store.transaction(async (tx) => {
        await tx.jobs.insert(job);
        await tx.history.append(job.ID, [jobEvent(job, 'Undefined', 'Pending', 1)]);
        await tx.evaluations.insert(evaluation);
      });
      const stored = await ctx.store.jobs.get(job.ID);
      expect(stored).toEqual(job);
      expect(stored.CreateTime).toBe(1695883778909107178n);
      expect(typeof stored.ModifyTime).toBe('bigint');
      expect(await ctx.store.evaluations.get(evaluation.ID)).toEqual(evaluation);
      const history = await ctx.store.history.list(job.ID, { since: 0n, eventType: 'all', limit: 10 });
      expect(history.items.map((h) => h.JobState)).toEqual([{ Previous: 'Undefined', New: 'Pending' }]);
    });

    it('leaves nothing behind when the transaction fails', async () => {
      const job = makeJob();
      const evaluation = makeEvaluation(job);
      const boom = new Error('boom');
      const attempt = ctx.store.transaction(async (tx) => {
        await tx.jobs.insert(job);
        await tx.history.append(job.ID, [jobEvent(job, 'Undefined', 'Pending', 1)]);
        await tx.evaluations.insert(evaluation);
        throw boom;
      });
      await expect(attempt).rejects.toBe(boom); // the caller's own error, untouched
      await rejection(ctx.store.jobs.get(job.ID), ErrorCode.NotFound);
      await rejection(ctx.store.evaluations.get(evaluation.ID), ErrorCode.NotFound);
    });

    it('refuses a second job with the same id as a conflict', async () => {
      const job = makeJob();
      await ctx.store.jobs.insert(job);
      await rejection(ctx.store.jobs.insert(job), ErrorCode.Conflict);
    });
  });

  describe('creating jobs in bulk', () => {
    const created = (job: Job) => ({
      job,
      events: [jobEvent(job, JobStateType.Undefined, JobStateType.Pending, 1)],
    });
    const insertNew = (list: Job[]) => ctx.store.bulk.insertNewJobs(list.map(created));

    it('stores each job as insert does, with its first history event numbered 1', async () => {
      const list = [makeJob({ Labels: { tier: 'web' } }), makeJob({ CreateTime: SEED_TIME }), makeJob()];
      await insertNew(list);
      for (const job of list) expect(await ctx.store.jobs.get(job.ID)).toEqual(job);
      const [first] = list as [Job];
      // The next writer continues the numbering.
      await ctx.store.history.append(first.ID, [
        jobEvent(first, JobStateType.Pending, JobStateType.Running, 2),
      ]);
      const history = await ctx.store.history.list(first.ID, { since: 0n, eventType: 'all', limit: 10 });
      expect(history.items.map((h) => h.JobState?.New)).toEqual([JobStateType.Pending, JobStateType.Running]);
      await insertNew([]); // nothing to do
    });

    it('refuses a duplicate id, stored or within the list, as a conflict and stores none', async () => {
      const stored = makeJob();
      await ctx.store.jobs.insert(stored);
      const fresh = makeJob();
      await rejection(insertNew([fresh, stored]), ErrorCode.Conflict);
      await rejection(ctx.store.jobs.get(fresh.ID), ErrorCode.NotFound);
      const twice = makeJob();
      await rejection(insertNew([twice, fresh, twice]), ErrorCode.Conflict);
      await rejection(ctx.store.jobs.get(twice.ID), ErrorCode.NotFound);
      await rejection(ctx.store.jobs.get(fresh.ID), ErrorCode.NotFound);
    });

    it('allows jobs that share a name, as insert does', async () => {
      const name = unique('same-name-');
      const list = [makeJob({ Name: name }), makeJob({ Name: name })];
      await insertNew(list);
      for (const job of list) expect((await ctx.store.jobs.get(job.ID)).Name).toBe(name);
    });
  });

  describe('finding jobs', () => {
    it('finds a job by full id, short id and unique prefix', async () => {
      const job = makeJob();
      await ctx.store.jobs.insert(job);
      expect((await ctx.store.jobs.get(job.ID)).ID).toBe(job.ID);
      expect((await ctx.store.jobs.get(shortId(job.ID))).ID).toBe(job.ID);
      expect((await ctx.store.jobs.get(job.ID.slice(0, 14))).ID).toBe(job.ID);
    });

    it('names the candidates of an ambiguous prefix', async () => {
      const prefix = unique('j-');
      const [a, b] = ['1', '2'].map((n) => makeJob({ ID: `${prefix}-0000-4000-8000-00000000000${n}` }));
      if (!a || !b) throw new Error('unreachable');
      await ctx.store.jobs.insert(b);
      await ctx.store.jobs.insert(a);
      const error = await rejection(ctx.store.jobs.get(prefix), ErrorCode.Ambiguous);
      expect(error.status).toBe(409);
      expect(error.message).toBe(`ambiguous job ID prefix "${prefix}": matches ${a.ID}, ${b.ID}`);
      expect(error.details).toEqual({ Candidates: [a.ID, b.ID] });
      expect(error.hint).toBe('use a longer prefix or the full ID');
      expect((await ctx.store.jobs.get(a.ID)).ID).toBe(a.ID);
    });

    it('answers NotFound for unknown ids, malformed queries and LIKE wildcards', async () => {
      const job = makeJob();
      await ctx.store.jobs.insert(job);
      const missing = await rejection(ctx.store.jobs.get('j-00000000'), ErrorCode.NotFound);
      expect(missing.message).toBe('job not found: j-00000000');
      expect(missing.component).toBe('JobStore');
      for (const query of ['', 'j-%', 'a b', "j-'; drop table jobs; --", `j_${job.ID.slice(2, 10)}`]) {
        await rejection(ctx.store.jobs.get(query), ErrorCode.NotFound);
      }
    });
  });

  describe('updating the state', () => {
    it('compares and swaps on the revision', async () => {
      const job = makeJob();
      await ctx.store.jobs.insert(job);
      const now = tick();
      const running = await ctx.store.jobs.updateState(
        job.ID,
        1,
        { StateType: 'Running', Message: 'go' },
        now,
      );
      expect(running).toMatchObject({
        Revision: 2,
        ModifyTime: now,
        State: { StateType: 'Running', Message: 'go' },
      });
      expect(await ctx.store.jobs.get(job.ID)).toEqual(running);
      const stale = await rejection(
        ctx.store.jobs.updateState(job.ID, 1, { StateType: 'Failed', Message: '' }, tick()),
        ErrorCode.Conflict,
      );
      expect(stale.message).toBe(`job ${job.ID} changed concurrently (revision 1 expected, 2 found)`);
      await rejection(
        ctx.store.jobs.updateState(ids.job(), 1, { StateType: 'Failed', Message: '' }, tick()),
        ErrorCode.NotFound,
      );
    });

    it('lets exactly one of two concurrent updates of the same revision win', async () => {
      for (let round = 0; round < 5; round++) {
        const job = makeJob();
        await ctx.store.jobs.insert(job);
        const results = await Promise.allSettled([
          ctx.store.jobs.updateState(job.ID, 1, { StateType: 'Running', Message: 'a' }, tick()),
          ctx.store.jobs.updateState(job.ID, 1, { StateType: 'Stopped', Message: 'b' }, tick()),
        ]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(lost[0]).toMatchObject({ code: ErrorCode.Conflict, status: 409 });
        expect((await ctx.store.jobs.get(job.ID)).Revision).toBe(2);
      }
    });
  });
}
