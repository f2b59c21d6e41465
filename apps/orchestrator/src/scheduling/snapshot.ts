import type { Evaluation } from '@shoal/models';
import type { SchedulerSettings, SchedulerSnapshot } from '../scheduler/index.js';
import type { Repos } from '../store/index.js';
import type { SchedulingBatch } from './batch.js';

/**
 * Loads what `schedule` needs, inside the transaction that will apply its plan. The job row is
 * locked first, so two evaluations of one job cannot both plan from the same state (fault 14).
 * Nodes and their usage come from the batch, which loads them once for all its evaluations.
 */
export async function loadSnapshot(
  tx: Repos,
  evaluation: Evaluation,
  settings: Partial<SchedulerSettings>,
  batch: SchedulingBatch,
): Promise<SchedulerSnapshot> {
  const job = await tx.scheduling.lockJob(evaluation.JobID);
  const executions = await tx.scheduling.executionsOfJob(job.ID);
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
