import type { Evaluation } from '@shoal/models';
import type { SchedulerSettings, SchedulerSnapshot } from '../planner/index.js';
import type { Repos } from '../store/index.js';
import type { SchedulingBatch } from './batch.js';

/**
 * What `schedule` needs, from the batch's workspace: the job (its row locked when the batch
 * loaded, so two evaluations of one job cannot both plan from the same state) and its
 * executions as earlier plans of the batch left them. Nodes and their usage come from the batch,
 * which loads them once for all its evaluations.
 */
export async function loadSnapshot(
  tx: Repos,
  evaluation: Evaluation,
  settings: Partial<SchedulerSettings>,
  batch: SchedulingBatch,
): Promise<SchedulerSnapshot> {
  const job = batch.workspace.job(evaluation.JobID);
  const executions = batch.workspace.executionsOf(job.ID);
  batch.observe(job.ID, executions);
  return {
    job,
    executions,
    nodes: await batch.candidates(tx),
    evaluation: { ID: evaluation.ID, TriggeredBy: evaluation.TriggeredBy, Comment: evaluation.Comment },
    settings,
    seed: evaluation.ID,
  };
}
