import { ComputeStateType as C } from '@shoal/models';
import { expect, it } from 'vitest';
import { makeExecution, makeJob, tick } from './fixtures.js';
import type { StoreContext } from './harness.js';

/**
 * executions.run_start_time: the planner's view of when a run started, written by the bulk writes
 * and read back by the bulk reads; null (absent) while a run waits on its node. Not part of the
 * API's Execution.
 */
export function runStartContract(ctx: StoreContext): void {
  it('keeps when a run started, and that a run has not, through inserts and saves', async () => {
    const job = makeJob();
    await ctx.store.jobs.insert(job);
    // A nanosecond time past 2^53: a lossy step would change its digits.
    const started = tick();
    const running = {
      ...makeExecution(job, { ComputeState: { StateType: C.BidAccepted, Message: '' } }),
      partition: 0,
      runStartTime: started,
    };
    const waiting = {
      ...makeExecution(job, { ComputeState: { StateType: C.BidAccepted, Message: '' } }),
      partition: 1,
    };
    await ctx.store.bulk.insertExecutions([running, waiting]);
    const read = async () =>
      ctx.store.transaction(async (tx) => {
        const [byJob, found] = await Promise.all([
          tx.bulk.executionsOfJobs([job.ID]),
          tx.bulk.findExecutions([running.ID, waiting.ID]),
        ]);
        expect(new Map(found.map((e) => [e.ID, e.runStartTime]))).toEqual(
          new Map(byJob.map((e) => [e.ID, e.runStartTime])),
        );
        return new Map(byJob.map((e) => [e.ID, e]));
      });
    const first = await read();
    expect(first.get(running.ID)?.runStartTime).toBe(started);
    expect(first.get(waiting.ID)).not.toHaveProperty('runStartTime');

    // The running one goes back to waiting; the waiting one starts.
    const now = tick();
    const { runStartTime: _, ...requeued } = { ...running, Revision: 2, ModifyTime: now };
    await ctx.store.bulk.saveExecutions([
      { execution: requeued, expectedRevision: 1 },
      { execution: { ...waiting, runStartTime: now, Revision: 2, ModifyTime: now }, expectedRevision: 1 },
    ]);
    const second = await read();
    expect(second.get(running.ID)).not.toHaveProperty('runStartTime');
    expect(second.get(waiting.ID)?.runStartTime).toBe(now);

    // The API's Execution has no such field.
    expect(await ctx.store.executions.get(waiting.ID)).not.toHaveProperty('runStartTime');
  });
}
