import { JobStateType, shortId } from '@shoal/models';
import { retryDueAt } from './backoff.js';
import { errorOf, isLive, outcomeOf } from './executions.js';
import type { NodeRejection } from './filter.js';
import { describeNoFit, requestedOn } from './messages.js';
import { type SchedulingContext, startOn, wakeForRestingNodes, whyNot } from './placement.js';
import type { ScheduledExecution } from './types.js';

/**
 * daemon: one execution on every matching node, present and future, started at once. Every
 * evaluation (node-update ones in particular) looks for matching nodes without one. It never
 * completes and never fails for lack of nodes: with none, it waits Queued for one to join.
 *
 * A node that refused the job or failed it twice gets no more (the ranking's exclusion). A node
 * that disappeared is not at fault: its execution is replaced at once when it is back.
 *
 * Returns true when the job is left waiting in the queue.
 */
export function scheduleDaemon(ctx: SchedulingContext): boolean {
  const { b, settings } = ctx;
  const byNode = new Map<string, ScheduledExecution[]>();
  for (const e of b.executions()) byNode.set(e.NodeID, [...(byNode.get(e.NodeID) ?? []), e]);

  let covered = 0;
  const rejected: NodeRejection[] = [];
  for (const node of ctx.nodes) {
    const id = node.Info.NodeID;
    const list = byNode.get(id) ?? [];
    const [first, ...extra] = list.filter(isLive);
    if (first) {
      covered++;
      for (const e of extra) b.stop(e, `duplicate execution on ${shortId(id)}`);
      continue;
    }
    const why = whyNot(ctx, node);
    if (why) {
      rejected.push(why);
      continue;
    }
    covered++;
    // A daemon is restarted whatever ended it, with backoff, so a crash loop does not spin.
    const failures = list.filter((e) => outcomeOf(e) === 'failed' || outcomeOf(e) === 'task-failed');
    const due = retryDueAt(failures, settings.retryBackoff);
    if (b.now < due) {
      b.wakeAt(due, 'retry', `restart the daemon on ${shortId(id)}`);
      continue;
    }
    const last = list.at(-1);
    startOn(
      ctx,
      node,
      last ? `${requestedOn(id)} (replacing ${shortId(last.ID)}: ${errorOf(last)})` : undefined,
    );
  }
  for (const r of rejected) b.note(`not placed on ${r.reason}`);
  if (covered > 0) return false;
  const reason = describeNoFit(rejected);
  wakeForRestingNodes(ctx, rejected);
  b.setJobState(JobStateType.Queued, reason, `Job queued: waiting: ${reason}`);
  return true;
}
