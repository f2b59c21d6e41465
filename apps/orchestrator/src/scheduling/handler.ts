import {
  type Evaluation,
  EvaluationTrigger,
  HistoryEventType,
  type IdGenerator,
  isTerminalJobState,
  JobStateType,
  type Nanos,
} from '@shoal/models';
import { isEmptyPlan, type SchedulerSettings, schedule } from '../scheduler/index.js';
import type { Repos } from '../store/index.js';
import type { EvaluationHandler, EvaluationOutcome } from '../worker/evaluation-worker.js';
import { applyPlan } from './apply-plan.js';
import { SchedulingBatch } from './batch.js';
import { loadSnapshot } from './snapshot.js';

export interface SchedulingHandlerOptions {
  ids: IdGenerator;
  settings?: Partial<SchedulerSettings>;
  /** Called after the plan committed, with the nodes that have new messages. */
  onCommitted?: (nodeIds: ReadonlySet<string>) => void;
}

/**
 * Every evaluation of a job ends here: load the snapshot (job row locked), run the pure scheduler,
 * apply its plan, all in the worker's transaction, which the other evaluations of the worker's
 * batch share. A job-stop evaluation first moves the job to Stopped, so the same pass cancels its
 * executions. The batch's messages are written last, once per node.
 */
export function schedulingHandler(options: SchedulingHandlerOptions): EvaluationHandler {
  return {
    triggers: Object.values(EvaluationTrigger),
    batch() {
      const batch = new SchedulingBatch();
      return {
        handle: (tx, evaluation, now) => handleOne(tx, evaluation, now, batch, options),
        async complete(tx, now) {
          const touched = await batch.flush(tx, now);
          return touched.size > 0 ? () => options.onCommitted?.(touched) : undefined;
        },
      };
    },
  };
}

async function handleOne(
  tx: Repos,
  evaluation: Evaluation,
  now: Nanos,
  batch: SchedulingBatch,
  options: SchedulingHandlerOptions,
): Promise<EvaluationOutcome> {
  if (evaluation.TriggeredBy === EvaluationTrigger.JobStop) {
    const job = await tx.scheduling.lockJob(evaluation.JobID);
    if (!isTerminalJobState(job.State.StateType)) {
      const reason = evaluation.Comment || 'job stopped by user';
      const stopped = await tx.jobs.updateState(
        job.ID,
        job.Revision,
        { StateType: JobStateType.Stopped, Message: reason },
        now,
      );
      await tx.history.append(job.ID, [
        {
          time: now,
          event: {
            Type: HistoryEventType.JobLevel,
            JobID: job.ID,
            JobState: { Previous: job.State.StateType, New: JobStateType.Stopped },
            ExecutionState: null,
            NewRevision: stopped.Revision,
            Comment: reason,
          },
        },
      ]);
    }
  }
  const snapshot = await loadSnapshot(tx, evaluation, options.settings ?? {}, batch);
  const plan = schedule(snapshot, now);
  // A plan that only waits (a retry's backoff, a queue timeout) still has its follow-up to write.
  if (isEmptyPlan(plan) && !plan.followUp) return { status: 'complete', comment: 'nothing to do' };
  await applyPlan(tx, snapshot, plan, { now, ids: options.ids, evaluation, batch });
  return { status: 'complete', comment: plan.notes.join('; ').slice(0, 1000) || 'plan applied' };
}
