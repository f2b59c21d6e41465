import { ComputeStateType as C, ErrorCode, isoToNanos, type Job, type JobHistory } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import type { HistoryQuery } from '../types.js';
import { executionEvent, ids, jobEvent, makeExecution, makeJob, SEED_TIME } from './fixtures.js';
import { rejection, type StoreContext, walk } from './harness.js';

const all = (overrides: Partial<HistoryQuery> = {}): HistoryQuery => ({
  since: 0n,
  eventType: 'all',
  limit: 100,
  ...overrides,
});

export function historyContract(ctx: StoreContext): void {
  describe('job history', () => {
    /** A job with a job event, then two executions on two nodes with three events each. */
    async function jobWithHistory(): Promise<Job> {
      const job = makeJob();
      await ctx.store.jobs.insert(job);
      const a = makeExecution(job, { NodeID: 'n-a' });
      const b = makeExecution(job, { NodeID: 'n-b' });
      await ctx.store.history.append(job.ID, [
        { ...jobEvent(job, 'Undefined', 'Pending', 1), time: SEED_TIME },
      ]);
      await ctx.store.history.append(job.ID, [
        executionEvent(a, C.New, C.New, 1),
        executionEvent(b, C.New, C.New, 1),
      ]);
      await ctx.store.history.append(job.ID, [
        executionEvent(a, C.New, C.AskForBid, 2),
        executionEvent(b, C.New, C.AskForBid, 2),
        executionEvent(a, C.AskForBid, C.BidAccepted, 3),
      ]);
      return job;
    }

    it('lists events in order, shaped like the v1 jobs API history example', async () => {
      const job = await jobWithHistory();
      const { items } = await ctx.store.history.list(job.ID, all());
      expect(items.map((h) => h.ExecutionState?.New ?? h.JobState?.New)).toEqual(['Pending', 1, 1, 2, 2, 5]);
      const [jobLevel, execLevel] = items as [JobHistory, JobHistory];
      expect(Object.keys(jobLevel)).toEqual([
        'Type',
        'JobID',
        'JobState',
        'ExecutionState',
        'NewRevision',
        'Comment',
        'Time',
      ]);
      expect(jobLevel).toMatchObject({
        Type: 'JobLevel',
        JobID: job.ID,
        ExecutionState: null,
        NewRevision: 1,
      });
      expect(Object.keys(execLevel)).toEqual([
        'Type',
        'JobID',
        'NodeID',
        'ExecutionID',
        'JobState',
        'ExecutionState',
        'NewRevision',
        'Comment',
        'Time',
      ]);
      expect(execLevel).toMatchObject({ Type: 'ExecutionLevel', NodeID: 'n-a', JobState: null });
      expect(jobLevel.Time).toBe('2023-09-28T06:49:38.909107178Z'); // every nanosecond kept
    });

    it('filters by event type, execution, node and time', async () => {
      const job = await jobWithHistory();
      const { items: every } = await ctx.store.history.list(job.ID, all());
      const execA = every[1]?.ExecutionID ?? '';
      const count = async (q: Partial<HistoryQuery>) =>
        (await ctx.store.history.list(job.ID, all(q))).items.length;
      expect(await count({ eventType: 'job' })).toBe(1);
      expect(await count({ eventType: 'execution' })).toBe(5);
      expect(await count({ executionId: execA })).toBe(3);
      expect(await count({ nodeId: 'n-b' })).toBe(2);
      expect(await count({ nodeId: 'n-b', eventType: 'job' })).toBe(0);
      const fourth = every[3] as JobHistory;
      const { items: recent } = await ctx.store.history.list(
        job.ID,
        all({ since: isoToNanos(fourth.Time) ?? 0n }),
      );
      expect(recent).toEqual(every.slice(3));
    });

    it('pages by sequence number and keeps a polling token while the job is not terminal', async () => {
      const job = await jobWithHistory();
      const q = (nextToken?: string) => all({ limit: 4, ...(nextToken ? { nextToken } : {}) });
      const first = await ctx.store.history.list(job.ID, q());
      const second = await ctx.store.history.list(job.ID, q(first.nextToken));
      expect(second.items).toHaveLength(2);
      expect(second.nextToken).not.toBe(''); // Pending: more may come
      const idle = await ctx.store.history.list(job.ID, q(second.nextToken));
      expect(idle.items).toEqual([]);
      expect(idle.nextToken).not.toBe('');

      await ctx.store.jobs.updateState(job.ID, 1, { StateType: 'Completed', Message: '' }, 1n);
      await ctx.store.history.append(job.ID, [jobEvent(job, 'Pending', 'Completed', 2)]);
      const last = await ctx.store.history.list(job.ID, q(idle.nextToken));
      expect(last.items.map((h) => h.JobState?.New)).toEqual(['Completed']);
      expect(last.nextToken).toBe(''); // terminal and nothing more
      const pages = await walk((token) => ctx.store.history.list(job.ID, q(token)));
      expect(pages.map((p) => p.length)).toEqual([4, 3]);
    });

    it('numbers concurrent appends without collisions', async () => {
      const job = makeJob();
      await ctx.store.jobs.insert(job);
      const execution = makeExecution(job);
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          ctx.store.history.append(job.ID, [
            executionEvent(execution, C.New, C.New, i),
            executionEvent(execution, C.New, C.New, i),
          ]),
        ),
      );
      const { items } = await ctx.store.history.list(job.ID, all());
      expect(items).toHaveLength(24);
      // Each append's two events are consecutive.
      for (let i = 0; i < 24; i += 2) expect(items[i]?.NewRevision).toBe(items[i + 1]?.NewRevision);
    });

    describe('appendMany', () => {
      const comments = async (job: Job) =>
        (await ctx.store.history.list(job.ID, all())).items.map((h) => h.Comment);
      const named = (job: Job, comment: string) => {
        const e = jobEvent(job, 'Pending', 'Pending', 1);
        return { ...e, event: { ...e.event, Comment: comment } };
      };

      it('appends to several jobs at once, merging repeated jobs in entry order', async () => {
        const [a, b, c] = [makeJob(), makeJob(), makeJob()] as [Job, Job, Job];
        for (const job of [a, b, c]) await ctx.store.jobs.insert(job);
        await ctx.store.history.append(a.ID, [named(a, 'a0')]);
        await ctx.store.history.appendMany([
          { jobId: a.ID, events: [named(a, 'a1')] },
          { jobId: b.ID, events: [named(b, 'b1'), named(b, 'b2')] },
          { jobId: c.ID, events: [] },
          { jobId: a.ID, events: [named(a, 'a2'), named(a, 'a3')] },
        ]);
        // Seqs continue after the earlier append and after this one: a reused seq would collide.
        await ctx.store.history.append(a.ID, [named(a, 'a4')]);
        expect(await comments(a)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
        expect(await comments(b)).toEqual(['b1', 'b2']);
        expect(await comments(c)).toEqual([]);
      });

      it('writes nothing when a job is unknown, and names it', async () => {
        const known = makeJob();
        await ctx.store.jobs.insert(known);
        const unknown = ids.job();
        const error = await rejection(
          ctx.store.history.appendMany([
            { jobId: known.ID, events: [named(known, 'lost')] },
            { jobId: unknown, events: [named(known, 'nowhere')] },
          ]),
          ErrorCode.NotFound,
        );
        expect(error.message).toBe(`job not found: ${unknown}`);
        expect(await comments(known)).toEqual([]);
        await ctx.store.history.appendMany([]); // nothing to do
        await ctx.store.history.append(known.ID, [named(known, 'first')]);
        expect(await comments(known)).toEqual(['first']);
      });

      it('lets concurrent batches over the same jobs, in any order, all commit', async () => {
        const jobs = [makeJob(), makeJob(), makeJob()];
        for (const job of jobs) await ctx.store.jobs.insert(job);
        await Promise.all(
          Array.from({ length: 8 }, (_, round) => {
            const order = round % 2 === 0 ? jobs : [...jobs].reverse();
            return ctx.store.history.appendMany(
              order.map((job) => ({
                jobId: job.ID,
                events: [named(job, `r${round}`), named(job, `r${round}`)],
              })),
            );
          }),
        );
        for (const job of jobs) {
          const list = await comments(job);
          expect(list).toHaveLength(16);
          // Each batch's events of one job are consecutive.
          for (let i = 0; i < 16; i += 2) expect(list[i]).toBe(list[i + 1]);
        }
      });
    });

    it('refuses unknown jobs and tokens of another listing', async () => {
      await rejection(
        ctx.store.history.append(ids.job(), [jobEvent(makeJob(), 'Undefined', 'Pending', 1)]),
        ErrorCode.NotFound,
      );
      await rejection(ctx.store.history.list(ids.job(), all()), ErrorCode.NotFound);
      const job = await jobWithHistory();
      const other = await jobWithHistory();
      const { nextToken } = await ctx.store.history.list(job.ID, all({ limit: 1 }));
      await rejection(ctx.store.history.list(other.ID, all({ limit: 1, nextToken })), ErrorCode.BadRequest);
      await rejection(
        ctx.store.history.list(job.ID, all({ eventType: 'job', nextToken })),
        ErrorCode.BadRequest,
      );
    });
  });
}
