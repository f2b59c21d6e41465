import { EvaluationTrigger, type IdGenerator, type Nanos, newEvaluation } from '@shoal/models';
import type { JobRef, Repos } from '../store/index.js';

const nodeUpdate = (ids: IdGenerator, job: JobRef, comment: string, now: Nanos) =>
  newEvaluation({ id: ids.evaluation(), job, trigger: EvaluationTrigger.NodeUpdate, comment, now });

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
 * Room or nodes appeared (a node joined, came back or was approved; an execution ended and freed
 * its reservation): every job waiting for them gets a `node-update` evaluation, so a Queued job is
 * placed now rather than at its queue timeout, and a daemon job reaches the new node. Jobs with
 * one already pending are skipped, so a burst of events adds one evaluation per job. Returns how
 * many were added.
 */
export async function evaluateWaitingJobs(
  tx: Repos,
  ids: IdGenerator,
  comment: string,
  now: Nanos,
  options: { daemons: boolean },
): Promise<number> {
  const jobs = await tx.scheduling.waitingJobs(options);
  await tx.evaluations.insertMany(jobs.map((job) => nodeUpdate(ids, job, comment, now)));
  return jobs.length;
}
