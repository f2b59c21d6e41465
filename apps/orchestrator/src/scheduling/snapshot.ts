import type { Capacity, Evaluation } from '@shoal/models';
import {
  addCapacity,
  allocationOf,
  isLive,
  type NodeCandidate,
  type ScheduledExecution,
  type SchedulerSettings,
  type SchedulerSnapshot,
  ZERO_CAPACITY,
} from '../scheduler/index.js';
import type { Repos } from '../store/index.js';

/**
 * Loads what `schedule` needs, inside the transaction that will apply its plan. The job row is
 * locked first, so two evaluations of one job cannot both plan from the same state (fault 14).
 */
export async function loadSnapshot(
  tx: Repos,
  evaluation: Evaluation,
  settings: Partial<SchedulerSettings>,
): Promise<SchedulerSnapshot> {
  const job = await tx.scheduling.lockJob(evaluation.JobID);
  const executions = await tx.scheduling.executionsOfJob(job.ID);
  const records = await tx.nodeStatus.list();
  const usage = usageByNode(await tx.scheduling.holdingResources());
  const nodes: NodeCandidate[] = records.map((r) => ({
    ...r.state,
    usage: usage.get(r.state.Info.NodeID) ?? { ...ZERO_CAPACITY },
    healthy: r.healthy,
  }));
  return {
    job,
    executions,
    nodes,
    evaluation: { ID: evaluation.ID, TriggeredBy: evaluation.TriggeredBy, Comment: evaluation.Comment },
    settings,
    seed: evaluation.ID,
  };
}

/** Exactly the scheduler's own accounting: allocations of live executions of every job. */
function usageByNode(executions: readonly ScheduledExecution[]): Map<string, Capacity> {
  const usage = new Map<string, Capacity>();
  for (const e of executions) {
    if (!isLive(e)) continue;
    const current = usage.get(e.NodeID) ?? { ...ZERO_CAPACITY };
    usage.set(e.NodeID, addCapacity(current, allocationOf(e.AllocatedResources.Tasks)));
  }
  return usage;
}
