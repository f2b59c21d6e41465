import { ComputeStateType as C, ErrorCode } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { makeExecution, makeJob, runOutput, tick } from './fixtures.js';
import { rejection, type StoreContext } from './harness.js';

const output = runOutput('hi\n');

export function executionUpdatesContract(ctx: StoreContext): void {
  describe('execution compute updates', () => {
    it('finds by exact id only', async () => {
      const job = makeJob();
      await ctx.store.jobs.insert(job);
      const execution = makeExecution(job);
      await ctx.store.executions.insert(execution);
      expect(await ctx.store.executions.find(execution.ID)).toEqual(execution);
      expect(await ctx.store.executions.find(execution.ID.slice(0, 10))).toBeUndefined();
    });

    it('changes compute state compare-and-swap, one revision at a time', async () => {
      const job = makeJob();
      await ctx.store.jobs.insert(job);
      const execution = makeExecution(job);
      await ctx.store.executions.insert(execution);
      const now = tick();
      const accepted = await ctx.store.executions.updateCompute(
        execution.ID,
        1,
        { state: { StateType: C.AskForBidAccepted, Message: 'ok' } },
        now,
      );
      expect(accepted).toEqual({
        ...execution,
        ComputeState: { StateType: C.AskForBidAccepted, Message: 'ok' },
        Revision: 2,
        ModifyTime: now,
      });
      const result = { Type: 'local', Params: { URL: 'file:///r/1' } };
      const done = await ctx.store.executions.updateCompute(
        execution.ID,
        2,
        { state: { StateType: C.Completed, Message: '' }, runOutput: output, publishedResult: result },
        tick(),
      );
      expect(done.RunOutput).toEqual(output);
      expect(done.PublishedResult).toEqual(result);
      expect(done.DesiredState).toEqual(execution.DesiredState);
      expect(await ctx.store.executions.get(execution.ID)).toEqual(done);

      const stale = await rejection(
        ctx.store.executions.updateCompute(
          execution.ID,
          2,
          { state: { StateType: C.Failed, Message: '' } },
          tick(),
        ),
        ErrorCode.Conflict,
      );
      expect(stale.message).toContain('revision 2 expected, 3 found');
      expect((await ctx.store.executions.get(execution.ID)).ComputeState.StateType).toBe(C.Completed);
      await rejection(
        ctx.store.executions.updateCompute(
          'e-missing',
          1,
          { state: { StateType: C.Failed, Message: '' } },
          tick(),
        ),
        ErrorCode.NotFound,
      );
    });
  });
}
