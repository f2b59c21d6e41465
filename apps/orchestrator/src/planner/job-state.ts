import { ComputeStateType, JobStateType, secondsToNanos, shortId } from '@shoal/models';
import type { PlanBuilder } from './builder.js';
import { isLive, isRunningOrAccepted } from './executions.js';
import { endedJobReason } from './lifecycle.js';
import type { SchedulingContext } from './placement.js';

/**
 * The job's own state, decided last from the plan's view of its executions. Terminal decisions
 * (Completed, Failed) are taken by the job-type schedulers through `PlanBuilder.finish`.
 */

export type WaitOutcome = 'queued' | 'failed';

/**
 * Not enough nodes. The job is Queued with that reason until CreateTime + its QueueTimeout (the
 * orchestrator's default when it sets none), and fails with the reason after it; with neither, it
 * fails now, naming each node and why. The deadline counts from submission.
 */
export function waitForNodes(ctx: SchedulingContext, reason: string): WaitOutcome {
  const { b, task } = ctx;
  const own = task.Timeouts.QueueTimeout ?? 0;
  const seconds = own > 0 ? own : ctx.settings.defaultQueueTimeoutSeconds;
  if (seconds <= 0) {
    b.finish(JobStateType.Failed, reason, endedJobReason(JobStateType.Failed, reason));
    return 'failed';
  }
  const deadline = b.job.CreateTime + secondsToNanos(seconds);
  if (b.now >= deadline) {
    const message = `queue timeout: ${reason}`;
    b.finish(JobStateType.Failed, message, endedJobReason(JobStateType.Failed, message));
    return 'failed';
  }
  b.setJobState(JobStateType.Queued, reason, `Job queued: waiting: ${reason}`);
  b.wakeAt(deadline, 'queue-timeout', `queue timeout of ${seconds}s`);
  b.note(`queued until the queue timeout: ${reason}`);
  return 'queued';
}

/**
 * Running once an execution runs or holds an accepted bid. A Queued job whose waiting is over
 * (executions requested, none running yet) goes back to Pending. Running never goes back to
 * Pending: a running job that lost its executions stays Running while they are replaced.
 */
export function settleJobState(b: PlanBuilder): void {
  if (b.isJobTerminal()) return;
  const executions = b.executions();
  const active = executions.find(isRunningOrAccepted);
  if (active) {
    // An accepted run with no start yet waits in its node's queue for room.
    const what =
      active.ComputeState.StateType !== ComputeStateType.BidAccepted
        ? 'bid accepted'
        : active.runStartTime === undefined
          ? 'execution waiting for room'
          : 'execution running';
    b.setJobState(JobStateType.Running, '', `Job running: ${what} on ${shortId(active.NodeID)}`);
    return;
  }
  const asked = executions.find(isLive);
  if (asked && b.jobStateType() === JobStateType.Queued) {
    b.setJobState(
      JobStateType.Pending,
      '',
      `Job no longer queued: execution requested on ${shortId(asked.NodeID)}`,
    );
  }
}
