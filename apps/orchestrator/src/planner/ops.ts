import { JobStateType } from '@shoal/models';
import { errorOf, isFailedAttempt, outcomeOf } from './executions.js';
import { waitForNodes } from './job-state.js';
import { endedJobReason } from './lifecycle.js';
import { describeNoFit, nodeLabel } from './messages.js';
import { candidates, type SchedulingContext, startOn } from './placement.js';

/**
 * ops: one execution on every matching node, started at once (desired Running, no bid round).
 * The set of nodes is fixed by the first placement: an ops job is a one-off action on the nodes
 * that matched when it ran, not a standing order for nodes that join later (that is a daemon).
 * It completes when every execution completed and fails as soon as any one fails, is refused or
 * is lost; there are no retries.
 *
 * Returns true when the job is left waiting in the queue.
 */
export function scheduleOps(ctx: SchedulingContext): boolean {
  const { b } = ctx;
  const executions = b.executions();
  if (executions.length === 0) {
    const found = candidates(ctx);
    if (found.ranked.length === 0) return waitForNodes(ctx, describeNoFit(found.rejected)) === 'queued';
    for (const node of found.ranked) startOn(ctx, node);
    for (const r of found.rejected) b.note(`not placed on ${r.reason}`);
    return false;
  }
  const failed = executions.find(isFailedAttempt);
  if (failed) {
    const message = `execution on ${nodeLabel(failed.NodeID)} failed: ${errorOf(failed)}`;
    b.finish(JobStateType.Failed, message, endedJobReason(JobStateType.Failed, message));
    return false;
  }
  const completed = executions.filter((e) => outcomeOf(e) === 'completed').length;
  const unfinished = executions.some((e) => outcomeOf(e) === 'live');
  if (!unfinished && completed > 0) {
    b.finish(JobStateType.Completed, `${completed} of ${completed} executions completed`, 'job completed');
  }
  return false;
}
