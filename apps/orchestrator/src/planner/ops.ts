import { JobStateType } from '@shoal/models';
import { errorOf, isFailedAttempt, outcomeOf } from './executions.js';
import type { NodeRejection } from './filter.js';
import { type WaitOutcome, waitForNodes } from './job-state.js';
import { endedJobReason } from './lifecycle.js';
import { describeNoFit, nodeLabel, requestedOn } from './messages.js';
import { candidates, type SchedulingContext, startOn, wakeForRestingNodes, whyNot } from './placement.js';

/**
 * Nodes of the job that refused for lack of room (and hold nothing else of it) are asked again once
 * they have rested and have room; until then the job waits as any job waiting for room does.
 */
function retryRefusedForRoom(ctx: SchedulingContext): 'placed' | 'none' | WaitOutcome {
  const executions = ctx.b.executions();
  const held = new Set(
    executions.filter((e) => ['live', 'completed'].includes(outcomeOf(e))).map((e) => e.NodeID),
  );
  const refused = [...new Set(executions.filter((e) => outcomeOf(e) === 'busy').map((e) => e.NodeID))];
  const rejected: NodeRejection[] = [];
  for (const id of refused.filter((n) => !held.has(n))) {
    const node = ctx.nodesById.get(id);
    const why = node
      ? whyNot(ctx, node)
      : { nodeId: id, code: 'disconnected' as const, reason: `${nodeLabel(id)}: gone` };
    if (node && !why) startOn(ctx, node, `${requestedOn(id)} (again, after it had no room)`);
    else if (why) rejected.push(why);
  }
  if (rejected.length === 0) return refused.length > 0 ? 'placed' : 'none';
  wakeForRestingNodes(ctx, rejected);
  return waitForNodes(ctx, describeNoFit(rejected));
}

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
  // Ops has no retries: any failure, the task's own included, is the job's answer.
  const failed = executions.find((e) => isFailedAttempt(e) || outcomeOf(e) === 'task-failed');
  if (failed) {
    const message = `execution on ${nodeLabel(failed.NodeID)} failed: ${errorOf(failed)}`;
    b.finish(JobStateType.Failed, message, endedJobReason(JobStateType.Failed, message));
    return false;
  }
  const retried = retryRefusedForRoom(ctx);
  if (retried === 'queued') return true;
  if (retried === 'failed') return false;
  const completed = b.executions().filter((e) => outcomeOf(e) === 'completed').length;
  const unfinished = b.executions().some((e) => outcomeOf(e) === 'live');
  if (!unfinished && completed > 0) {
    b.finish(JobStateType.Completed, `${completed} of ${completed} executions completed`, 'job completed');
  }
  return false;
}
