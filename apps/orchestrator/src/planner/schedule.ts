import { JobStateType, JobType, type Nanos } from '@shoal/models';
import { PlanBuilder } from './builder.js';
import { taskRequest } from './capacity.js';
import { scheduleDaemon } from './daemon.js';
import { jobRequirements } from './filter.js';
import { settleJobState } from './job-state.js';
import {
  cleanUpEndedJob,
  endedJobReason,
  failIfTotalTimeoutPassed,
  failLostExecutions,
  failTimedOut,
} from './lifecycle.js';
import { scheduleOps } from './ops.js';
import { schedulePartitions } from './partitions.js';
import type { SchedulingContext } from './placement.js';
import { nodeRecords } from './rank.js';
import { resolveSettings } from './settings.js';
import type { NodeCandidate, Plan, SchedulerSnapshot } from './types.js';

/** Each returns true when it left the job waiting in the queue (its state is then decided). */
const SCHEDULERS: Record<JobType, (ctx: SchedulingContext) => boolean> = {
  [JobType.Batch]: (ctx) => schedulePartitions(ctx, 'batch'),
  [JobType.Service]: (ctx) => schedulePartitions(ctx, 'service'),
  [JobType.Ops]: scheduleOps,
  [JobType.Daemon]: scheduleDaemon,
};

function byNodeId(a: NodeCandidate, b: NodeCandidate): number {
  return a.Info.NodeID < b.Info.NodeID ? -1 : a.Info.NodeID > b.Info.NodeID ? 1 : 0;
}

/**
 * Decides what should happen to a job now. Pure: no I/O, no clock, no Math.random; the same
 * snapshot and `now` give the same plan, and applying the plan then scheduling again gives an
 * empty plan. Order matters: server-side failures first (a lost execution frees its partition),
 * then the job type's placement, then the job's state from the resulting view.
 */
export function schedule(snapshot: SchedulerSnapshot, now: Nanos): Plan {
  const settings = resolveSettings(snapshot.settings);
  const { job } = snapshot;
  const b = new PlanBuilder(job, snapshot.executions, now);
  const nodes = [...snapshot.nodes].sort(byNodeId);
  const nodesById = new Map(nodes.map((n) => [n.Info.NodeID, n]));

  if (b.isJobTerminal()) {
    cleanUpEndedJob(b, nodesById);
    return b.build();
  }
  failLostExecutions(b, nodesById);

  const [task, ...otherTasks] = job.Tasks;
  const fail = (message: string) => {
    b.finish(JobStateType.Failed, message, endedJobReason(JobStateType.Failed, message));
    return b.build();
  };
  if (!task) return fail('job has no task to run');
  if (otherTasks.length > 0) b.note(`only the first of ${job.Tasks.length} tasks is scheduled`);
  const request = taskRequest(task);
  if (!request.ok) return fail(`cannot schedule: ${request.message}`);

  failTimedOut(b, task, settings.executionTimeoutBufferNanos + settings.prepareAllowanceNanos);
  if (failIfTotalTimeoutPassed(b, task)) return b.build();

  const ctx: SchedulingContext = {
    b,
    job,
    task,
    settings,
    req: jobRequirements(job, task, request.request),
    nodes,
    nodesById,
    records: nodeRecords(b.executions(), settings.busyRetryNanos),
    randomKey: [snapshot.seed, snapshot.evaluation.ID],
  };
  const queued = SCHEDULERS[job.Type](ctx);
  if (!queued) settleJobState(b);
  return b.build();
}

/** True when applying the plan would change nothing (a follow-up alone is not a change). */
export function isEmptyPlan(plan: Plan): boolean {
  return !plan.jobState && plan.newExecutions.length === 0 && plan.executionUpdates.length === 0;
}
