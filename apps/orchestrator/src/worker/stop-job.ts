import { EvaluationTrigger, HistoryEventType, isTerminalJobState, JobStateType } from '@shoal/models';
import type { EvaluationHandler } from './evaluation-worker.js';

/**
 * Turns a job-stop evaluation into the Stopped state, with the reason in the job's state message
 * and history. Cancelling the job's executions joins this handler with the schedulers.
 */
export const stopJobHandler: EvaluationHandler = {
  triggers: [EvaluationTrigger.JobStop],
  async handle(tx, evaluation, now) {
    const job = await tx.jobs.get(evaluation.JobID);
    if (isTerminalJobState(job.State.StateType)) {
      return { status: 'complete', comment: `job already ${job.State.StateType}` };
    }
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
    return { status: 'complete', comment: `job stopped: ${reason}` };
  },
};
