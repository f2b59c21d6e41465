import { ComputeStateType as C, DesiredStateType as D, ErrorCode, JobStateType } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { jobEvent, makeEvaluation, makeExecution, makeJob, runOutput, tick, unique } from './fixtures.js';
import { rejection, type StoreContext } from './harness.js';

const output = runOutput('ok\n');

export function bulkContract(ctx: StoreContext): void {
  async function jobWithExecutions(n: number) {
    const job = makeJob();
    await ctx.store.jobs.insert(job);
    const executions = Array.from({ length: n }, (_, i) => ({ ...makeExecution(job), partition: i }));
    await ctx.store.bulk.insertExecutions(executions);
    return { job, executions };
  }

  describe('bulk', () => {
    it('locks and reads many jobs in id order, their executions and pending evaluations', async () => {
      const a = await jobWithExecutions(2);
      const b = await jobWithExecutions(1);
      const finished = makeEvaluation(a.job);
      const pending = makeEvaluation(b.job, { WaitUntil: 99n });
      await ctx.store.evaluations.insertMany([finished, pending]);
      await ctx.store.evaluations.finish(finished.ID, '', 'complete', 'done', tick());
      await ctx.store.transaction(async (tx) => {
        const ids = [b.job.ID, 'j-missing', a.job.ID];
        const locked = await tx.bulk.lockJobs(ids);
        expect(locked.map((l) => l.job.ID)).toEqual([a.job.ID, b.job.ID].sort());
        expect(locked.find((l) => l.job.ID === a.job.ID)).toEqual({ job: a.job, historySeq: 0 });
        const executions = await tx.bulk.executionsOfJobs([a.job.ID, b.job.ID]);
        expect(executions.map((e) => e.ID).sort()).toEqual(
          [...a.executions, ...b.executions].map((e) => e.ID).sort(),
        );
        expect(executions.find((e) => e.ID === a.executions[1]?.ID)?.partition).toBe(1);
        const found = await tx.bulk.findExecutions([b.executions[0]?.ID ?? '', 'e-missing']);
        expect(found).toEqual([{ ...b.executions[0], outcome: '' }]);
        const evaluations = await tx.bulk.pendingEvaluations([a.job.ID, b.job.ID]);
        expect(evaluations).toEqual([{ jobId: b.job.ID, trigger: pending.TriggeredBy, waitUntil: 99n }]);
      });
    });

    it('sums what live executions hold per node, as the schedulers count it', async () => {
      const job = makeJob();
      await ctx.store.jobs.insert(job);
      const [n1, n2] = [unique('n-use-'), unique('n-use-')];
      const at = (NodeID: string, Tasks: Record<string, unknown>, compute: C, desired: D) =>
        makeExecution(job, {
          NodeID,
          AllocatedResources: { Tasks },
          ComputeState: { StateType: compute, Message: '' },
          DesiredState: { StateType: desired, Message: '' },
        });
      await ctx.store.bulk.insertExecutions([
        at(n1, { a: { CPU: 0.5, Memory: 100 }, b: { CPU: 0.25, GPU: 1, Disk: 'x' } }, C.New, D.Running),
        at(n1, { main: { CPU: 1, Memory: 2 ** 40 } }, C.BidAccepted, D.Stopped), // still holds it
        at(n1, { main: { CPU: 8 } }, C.Completed, D.Stopped),
        at(n1, { main: { CPU: 8 } }, C.AskForBid, D.Stopped), // asked to stop before accepting
        at(n2, { main: { CPU: 2, Disk: 10 } }, C.AskForBidAccepted, D.Pending),
      ]);
      const usage = await ctx.store.scheduling.usageByNode();
      expect(usage.get(n1)).toEqual({ CPU: 1.75, Memory: 100 + 2 ** 40, Disk: 0, GPU: 1 });
      expect(usage.get(n2)).toEqual({ CPU: 2, Memory: 0, Disk: 10, GPU: 0 });
    });

    it('saves many executions and jobs compare-and-swap, all or none', async () => {
      const { job, executions } = await jobWithExecutions(2);
      const [first, second] = executions as [(typeof executions)[0], (typeof executions)[0]];
      const now = tick();
      const done = {
        ...first,
        ComputeState: { StateType: C.Completed, Message: '' },
        DesiredState: { StateType: D.Stopped, Message: 'execution completed' },
        RunOutput: output,
        PublishedResult: { Type: 'local', Params: { URL: 'file:///r' } },
        Revision: 3,
        ModifyTime: now,
      };
      await ctx.store.bulk.saveExecutions([{ execution: done, expectedRevision: 1 }]);
      await ctx.store.history.append(job.ID, [
        jobEvent(job, JobStateType.Undefined, JobStateType.Pending, 1),
      ]);
      await ctx.store.bulk.saveJobs([
        {
          id: job.ID,
          expectedRevision: job.Revision,
          revision: job.Revision + 1,
          state: { StateType: JobStateType.Running, Message: '' },
          modifyTime: now,
          historySeq: 2,
        },
      ]);
      const running = jobEvent(job, JobStateType.Pending, JobStateType.Running, 2);
      await ctx.store.bulk.insertHistory([{ jobId: job.ID, seq: 2, event: running }]);
      // The single-row append continues from the seq the bulk write left.
      await ctx.store.history.append(job.ID, [
        jobEvent(job, JobStateType.Running, JobStateType.Completed, 3),
      ]);
      const page = await ctx.store.history.list(job.ID, { since: 0n, eventType: 'all', limit: 10 });
      expect(page.items.map((h) => h.JobState?.New)).toEqual([
        JobStateType.Pending,
        JobStateType.Running,
        JobStateType.Completed,
      ]);
      const { partition: _, ...stored } = done;
      expect(await ctx.store.executions.get(first.ID)).toEqual(stored);
      const after = await ctx.store.jobs.get(job.ID);
      expect(after.State.StateType).toBe(JobStateType.Running);
      expect([after.Revision, after.ModifyTime]).toEqual([job.Revision + 1, now]);

      // One stale row fails the whole statement: the fresh one is not written either.
      const stale = { execution: { ...done, Revision: 4 }, expectedRevision: 1 };
      const fresh = {
        execution: { ...second, Revision: 2, ComputeState: done.ComputeState },
        expectedRevision: 1,
      };
      const error = await rejection(
        ctx.store.transaction((tx) => tx.bulk.saveExecutions([fresh, stale])),
        ErrorCode.Conflict,
      );
      expect(error.message).toContain(first.ID);
      expect((await ctx.store.executions.get(second.ID)).Revision).toBe(1);
    });
  });
}
