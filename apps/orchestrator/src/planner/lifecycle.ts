import {
  ComputeStateType as C,
  DesiredStateType as D,
  ExecutionOutcome,
  isTerminalComputeState,
  JobStateType,
  NodeConnection,
  secondsToNanos,
  shortId,
  type Task,
} from '@shoal/models';
import type { PlanBuilder } from './builder.js';
import { isLive } from './executions.js';
import { NODE_LOST, timedOut } from './messages.js';
import type { NodeCandidate, ScheduledExecution } from './types.js';

/**
 * Steps every job type shares: server-side decisions about executions whose agent cannot speak
 * for them (lost node, silent past its timeout), the job's total timeout, and the clean-up of a job
 * that has ended.
 */

/**
 * Whether a node's executions are lost now. A node deleted from the registry is gone at once; a
 * disconnected one keeps its executions until its grace ends (an agent or a whole cluster
 * restarting comes back and re-adopts them), and the job is looked at again then.
 */
function isLost(b: PlanBuilder, e: ScheduledExecution, nodes: ReadonlyMap<string, NodeCandidate>): boolean {
  const nodeId = e.NodeID;
  const node = nodes.get(nodeId);
  if (!node) return true;
  if (node.Connection === NodeConnection.Connected) return false;
  if (node.lostAt === undefined || b.now >= node.lostAt) return true;
  b.wakeWhileLive(
    e,
    node.lostAt,
    `node ${shortId(nodeId)} is disconnected: give up on it if it has not returned`,
  );
  return false;
}

/** The reason live executions of an ended job are stopped with. */
export function endedJobReason(state: JobStateType, message: string): string {
  if (state === JobStateType.Stopped) {
    // The API's own reason already says so (`job stopped by user`); a user's reason does not.
    if (message === '') return 'job stopped by user';
    return message.startsWith('job stopped') ? message : `job stopped: ${message}`;
  }
  if (state === JobStateType.Completed) return 'job completed';
  return `job failed: ${message}`;
}

/**
 * The job has ended (the stop handler set Stopped, or an earlier plan failed or completed it):
 * nothing is placed, every live execution is told to stop. Executions on a lost node are
 * Cancelled server-side, since their agent cannot report; it still gets the message when it returns.
 */
export function cleanUpEndedJob(b: PlanBuilder, nodes: ReadonlyMap<string, NodeCandidate>): void {
  const reason = endedJobReason(b.job.State.StateType, b.job.State.Message);
  for (const e of b.executions()) {
    if (isTerminalComputeState(e.ComputeState.StateType)) continue;
    // An ask already withdrawn holds nothing, but on a lost node no answer will ever end it.
    if (!isLive(e) && !(nodes.get(e.NodeID)?.Connection !== NodeConnection.Connected)) continue;
    if (isLost(b, e, nodes)) {
      b.update(e, {
        computeState: { StateType: C.Cancelled, Message: NODE_LOST },
        outcome: ExecutionOutcome.Stopped,
        ...(e.DesiredState.StateType === D.Stopped
          ? {}
          : { desiredState: { StateType: D.Stopped, Message: reason } }),
        comment: `${NODE_LOST}; ${reason}`,
      });
    } else {
      b.stop(e, reason);
    }
  }
}

/**
 * Live executions on a node that is gone. One we still wanted fails (server-side) and its
 * partition is retried, counting as an attempt; one we were already stopping is just Cancelled.
 */
export function failLostExecutions(b: PlanBuilder, nodes: ReadonlyMap<string, NodeCandidate>): void {
  for (const e of b.executions()) {
    if (isTerminalComputeState(e.ComputeState.StateType) || !isLost(b, e, nodes)) continue;
    if (e.DesiredState.StateType === D.Stopped) {
      b.update(e, {
        computeState: { StateType: C.Cancelled, Message: NODE_LOST },
        outcome: ExecutionOutcome.Stopped,
        comment: NODE_LOST,
      });
    } else {
      b.update(e, {
        computeState: { StateType: C.Failed, Message: NODE_LOST },
        outcome: ExecutionOutcome.Lost,
        desiredState: { StateType: D.Stopped, Message: NODE_LOST },
        comment: NODE_LOST,
      });
    }
  }
}

/** ExecutionTimeout, else TotalTimeout, in seconds; 0 means none. */
export function executionTimeoutSeconds(task: Task): number {
  return task.Timeouts.ExecutionTimeout || task.Timeouts.TotalTimeout || 0;
}

/**
 * The agent kills an execution at its timeout and reports it. If it has not after the timeout plus
 * the time an agent may spend preparing plus a buffer, the agent is silent and the server fails the
 * execution itself (a timeout is final: the job fails). The clock starts when the run started (its
 * runStartTime: ModifyTime moves with every progress report), and the buffer absorbs the bid round
 * and the agent's kill grace. An execution waiting on its node for room has not started: its clock
 * does not run, and a silent node is caught by node loss instead. Not yet due: come back when it is.
 */
export function failTimedOut(b: PlanBuilder, task: Task, bufferNanos: bigint): void {
  const seconds = executionTimeoutSeconds(task);
  if (seconds <= 0) return;
  for (const e of b.executions()) {
    if (e.ComputeState.StateType !== C.BidAccepted || e.DesiredState.StateType === D.Stopped) continue;
    if (e.runStartTime === undefined) continue; // waiting on its node for room: no clock yet
    const deadline = e.runStartTime + secondsToNanos(seconds) + bufferNanos;
    if (b.now < deadline) {
      b.wakeAt(deadline, 'retry', `check whether execution ${shortId(e.ID)} has timed out`);
      continue;
    }
    const message = timedOut(seconds);
    b.update(e, {
      computeState: { StateType: C.Failed, Message: message },
      outcome: ExecutionOutcome.TaskFailed,
      desiredState: { StateType: D.Stopped, Message: message },
      comment: `${message} (agent silent; failed by the orchestrator)`,
    });
  }
}

/** TotalTimeout counts from submission. True when it has passed and the job was failed. */
export function failIfTotalTimeoutPassed(b: PlanBuilder, task: Task): boolean {
  const seconds = task.Timeouts.TotalTimeout ?? 0;
  if (seconds <= 0) return false;
  const deadline = b.job.CreateTime + secondsToNanos(seconds);
  if (b.now < deadline) {
    b.wakeAt(deadline, 'retry', `check the total timeout of ${seconds}s`);
    return false;
  }
  const message = `job exceeded its total timeout of ${seconds}s`;
  b.finish(JobStateType.Failed, message, endedJobReason(JobStateType.Failed, message));
  return true;
}
