import {
  ComputeStateType as C,
  ErrorCode,
  EvaluationTrigger,
  isShoalError,
  JobStateType,
  newEvaluation,
} from '@shoal/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/index.js';
import { executionEvent, jobEvent, makeExecution, makeJob } from '../store/testing/fixtures.js';
import { JobWorkspace } from './workspace.js';

describe('JobWorkspace', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ url: 'pglite:memory' });
  });
  afterAll(() => store.close());

  it('reads many jobs once, applies changes in memory, and writes each row once', async () => {
    const job = makeJob();
    await store.jobs.insert(job);
    await store.history.append(job.ID, [jobEvent(job, JobStateType.Undefined, JobStateType.Pending, 1)]);
    const execution = { ...makeExecution(job), partition: 0 };
    await store.executions.insert(execution);
    const now = 42n;

    await store.transaction(async (tx) => {
      const work = new JobWorkspace();
      await work.load(tx, [job.ID, 'j-missing', job.ID]);
      expect([work.has(job.ID), work.has('j-missing')]).toEqual([true, false]);
      const asked = work.updateExecution(
        execution.ID,
        1,
        { ComputeState: { StateType: C.AskForBid, Message: '' } },
        now,
      );
      const accepted = work.updateExecution(
        execution.ID,
        asked.Revision,
        { ComputeState: { StateType: C.BidAccepted, Message: '' } },
        now,
      );
      expect(work.executionsOf(job.ID)).toEqual([accepted]);
      const running = work.setJobState(
        job.ID,
        job.Revision,
        { StateType: JobStateType.Running, Message: '' },
        now,
      );
      work.appendHistory(job.ID, [
        executionEvent(execution, C.New, C.AskForBid, 2),
        jobEvent(job, JobStateType.Pending, JobStateType.Running, running.Revision),
      ]);
      const evaluation = newEvaluation({
        id: 'ev-1',
        job,
        trigger: EvaluationTrigger.ExecutionUpdate,
        comment: 'later',
        now,
        waitUntil: now + 10n,
      });
      work.addEvaluation(evaluation);
      expect(work.hasPendingEvaluation(job.ID, EvaluationTrigger.ExecutionUpdate, now + 10n)).toBe(true);
      expect([work.hasDueEvaluation(job.ID, now), work.hasDueEvaluation(job.ID, now + 10n)]).toEqual([
        false,
        true,
      ]);
      // A stale expectation is a conflict, and changes nothing in memory.
      const stale = (() => {
        try {
          work.updateExecution(execution.ID, 1, { ComputeState: { StateType: C.Failed, Message: '' } }, now);
        } catch (error) {
          return error;
        }
      })();
      expect(isShoalError(stale) && stale.code).toBe(ErrorCode.Conflict);
      await work.flush(tx);
      await expect(work.load(tx, [job.ID])).rejects.toThrow('loads its jobs once');
    });

    expect(await store.executions.get(execution.ID)).toMatchObject({
      ComputeState: { StateType: C.BidAccepted },
      Revision: 3,
      ModifyTime: now,
    });
    expect(await store.jobs.get(job.ID)).toMatchObject({
      State: { StateType: JobStateType.Running },
      Revision: job.Revision + 1,
    });
    const history = await store.history.list(job.ID, { since: 0n, eventType: 'all', limit: 10 });
    expect(history.items.map((h) => h.NewRevision)).toEqual([1, 2, job.Revision + 1]);
    expect((await store.evaluations.get('ev-1')).WaitUntil).toBe(now + 10n);
    // The next writer continues the job's history where the workspace left it.
    await store.history.append(job.ID, [jobEvent(job, JobStateType.Running, JobStateType.Completed, 9)]);
    const after = await store.history.list(job.ID, { since: 0n, eventType: 'all', limit: 10 });
    expect(after.items).toHaveLength(4);
  });

  it('cancels the later wake-ups of a job that ends, and leaves the due ones to run', async () => {
    const job = makeJob();
    await store.jobs.insert(job);
    const now = 1_000n;
    const wake = (id: string, waitUntil: bigint) =>
      newEvaluation({ id, job, trigger: EvaluationTrigger.Retry, comment: 'a wake-up', now: 0n, waitUntil });
    await store.evaluations.insertMany([wake('ev-due', now), wake('ev-later', now + 1_800n)]);

    await store.transaction(async (tx) => {
      const work = new JobWorkspace();
      await work.load(tx, [job.ID]);
      work.setJobState(job.ID, job.Revision, { StateType: JobStateType.Completed, Message: '' }, now);
      // One the plan adds for later is not written at all.
      work.addEvaluation(wake('ev-new-later', now + 60n));
      await work.flush(tx);
    });

    expect((await store.evaluations.get('ev-due')).Status).toBe('pending');
    expect(await store.evaluations.get('ev-later')).toMatchObject({
      Status: 'cancelled',
      Comment: 'the job ended before it was due',
    });
    await expect(store.evaluations.get('ev-new-later')).rejects.toThrow();
  });
});
