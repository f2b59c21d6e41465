import { ComputeStateType as C, DesiredStateType as D, shortId } from '@shoal/models';
import type { PlanBuilder } from './builder.js';
import { isPlaced } from './executions.js';
import { BID_ACCEPTED, BID_REJECTED_PLACED } from './messages.js';
import type { ScheduledExecution } from './types.js';

/**
 * The bid round of one partition (batch, service). New executions ask their node with desired
 * Pending; the agent answers AskForBidAccepted (3) or AskForBidRejected (4). The scheduler accepts
 * ONE accepted bid (desired Running → BidAccepted) and rejects every other ask of the partition,
 * answered or not, so it holds at most one execution.
 */

/** An agent that started without waiting for approval has still made an offer worth taking. */
function isAcceptableBid(e: ScheduledExecution): boolean {
  const compute = e.ComputeState.StateType;
  return (
    e.DesiredState.StateType === D.Pending && (compute === C.AskForBidAccepted || compute === C.BidAccepted)
  );
}

/** The partition's execution: the placed one (oldest, if a bug ever made two), else none. */
function holderOf(live: readonly ScheduledExecution[]): ScheduledExecution | undefined {
  return (
    live.find(isPlaced) ??
    live.find((e) => e.DesiredState.StateType === D.Pending && e.ComputeState.StateType === C.BidAccepted)
  );
}

/** `live` are the partition's live executions, oldest first. */
export function settleBids(b: PlanBuilder, partition: number, live: readonly ScheduledExecution[]): void {
  let holder = holderOf(live);
  if (!holder) {
    holder = live.find(isAcceptableBid);
    if (!holder) return; // still waiting for answers
  }
  if (holder.DesiredState.StateType === D.Pending) {
    b.update(holder, {
      desiredState: { StateType: D.Running, Message: BID_ACCEPTED },
      comment: `${BID_ACCEPTED} from ${shortId(holder.NodeID)} for partition ${partition}`,
    });
  }
  for (const e of live) {
    if (e === holder || e.DesiredState.StateType === D.Stopped) continue;
    // A second placed execution can only come from a bug or a lost race elsewhere: keep one.
    b.stop(
      e,
      e.DesiredState.StateType === D.Pending
        ? BID_REJECTED_PLACED
        : `duplicate execution for partition ${partition}`,
    );
  }
}
