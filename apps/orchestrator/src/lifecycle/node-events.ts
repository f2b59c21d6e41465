import { EvaluationTrigger, type IdGenerator, type Nanos, newEvaluation } from '@shoal/models';
import type { JobRef, Repos } from '../store/index.js';

const nodeUpdate = (ids: IdGenerator, job: JobRef, comment: string, now: Nanos, queuedSince?: Nanos) =>
  newEvaluation({
    id: ids.evaluation(),
    job,
    trigger: EvaluationTrigger.NodeUpdate,
    comment,
    now,
    ...(queuedSince === undefined ? {} : { queuedSince }),
  });

/**
 * A node's connection changed: every non-terminal job with live executions on it gets a
 * `node-update` evaluation, in the transaction that records the change, so the schedulers fail and
 * replace what a lost node held, or leave it be when the node is back. Returns how many.
 */
export async function evaluateJobsOnNode(
  tx: Repos,
  ids: IdGenerator,
  nodeId: string,
  comment: string,
  now: Nanos,
): Promise<number> {
  const jobs = await tx.nodeStatus.jobsWithLiveExecutions(nodeId);
  await tx.evaluations.insertMany(jobs.map((job) => nodeUpdate(ids, job, comment, now)));
  return jobs.length;
}

/**
 * Room or nodes appeared (a node joined, came back, was approved or changed its resources; an
 * execution ended and freed its reservation): jobs waiting for them get a `node-update` evaluation,
 * so a Queued job is placed now rather than at its queue timeout, and a daemon job reaches the new
 * node. The evaluations carry each job's submit time, so the queue is served first come, first
 * served (priority first). Jobs with one already pending are skipped, so a burst of events adds one
 * evaluation per job, also when the events' transactions run at once (they take the wake-up lock). `limit` looks at the head of the queue only: an execution that ended frees
 * room for a few jobs, not for the thousands that may wait behind them. Returns how many were added.
 */
export async function evaluateWaitingJobs(
  tx: Repos,
  ids: IdGenerator,
  comment: string,
  now: Nanos,
  options: { daemons: boolean; limit?: number },
): Promise<number> {
  await tx.scheduling.lockWakeups();
  const jobs = await tx.scheduling.waitingJobs(options);
  await tx.evaluations.insertMany(jobs.map((job) => nodeUpdate(ids, job, comment, now, job.CreateTime)));
  return jobs.length;
}
