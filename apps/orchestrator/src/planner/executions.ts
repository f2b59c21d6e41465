import {
  ComputeStateType as C,
  computeStateName,
  countsAsAttempt,
  DesiredStateType as D,
  type ExecutionOutcome,
  isTerminalComputeState,
  type Job,
  type Nanos,
} from '@shoal/models';
import { NODE_LOST } from './messages.js';
import type { NewExecution, ScheduledExecution } from './types.js';

/**
 * How the planner reads an execution. Its writer records why it ended (ExecutionOutcome, the table
 * in packages/models/src/outcomes.ts) together with its terminal state; the planner reads that
 * instead of guessing from messages.
 */

/** `live`: holds or may hold resources on its node; otherwise why it ended. */
export type Outcome = 'live' | ExecutionOutcome;

/**
 * Live: not terminal and not asked to stop, or holding a reservation (an accepted bid or a running
 * task) until the agent confirms the stop. Node usage counts exactly these.
 */
export function isLive(e: Pick<ScheduledExecution, 'ComputeState' | 'DesiredState'>): boolean {
  const compute = e.ComputeState.StateType;
  if (compute === C.AskForBidAccepted || compute === C.BidAccepted) return true;
  return !isTerminalComputeState(compute) && e.DesiredState.StateType !== D.Stopped;
}

/** The partition's chosen execution: accepted by the scheduler and not ended. */
export function isPlaced(e: ScheduledExecution): boolean {
  return e.DesiredState.StateType === D.Running && !isTerminalComputeState(e.ComputeState.StateType);
}

/** What makes a job Running: a task started, or a bid we accepted. */
export function isRunningOrAccepted(e: ScheduledExecution): boolean {
  if (e.DesiredState.StateType === D.Stopped) return false;
  const compute = e.ComputeState.StateType;
  return (
    compute === C.BidAccepted || (compute === C.AskForBidAccepted && e.DesiredState.StateType === D.Running)
  );
}

export function outcomeOf(e: ScheduledExecution): Outcome {
  const compute = e.ComputeState.StateType;
  if (!isTerminalComputeState(compute)) return 'live';
  if (e.outcome !== '') return e.outcome;
  // Rows ended before outcomes were kept: read them as they were read then.
  if (compute === C.Completed) return 'completed';
  if (compute === C.Failed) return e.ComputeState.Message === NODE_LOST ? 'lost' : 'failed';
  if (e.DesiredState.StateType === D.Stopped) return 'stopped';
  return compute === C.Cancelled ? 'failed' : 'rejected';
}

/** An execution that used up one of its partition's attempts. */
export function isFailedAttempt(e: ScheduledExecution): boolean {
  const outcome = outcomeOf(e);
  return outcome !== 'live' && countsAsAttempt(outcome);
}

/** Why it ended, in the agent's words where it gave any. */
export function errorOf(e: ScheduledExecution): string {
  const outcome = outcomeOf(e);
  const said = e.ComputeState.Message || e.RunOutput?.runnerError || '';
  if (outcome === 'rejected' || outcome === 'busy')
    return said === '' ? 'bid rejected by node' : `bid rejected by node: ${said}`;
  if (said !== '') return said;
  return e.ComputeState.StateType === C.Cancelled
    ? 'cancelled by node'
    : computeStateName(e.ComputeState.StateType);
}

/** Oldest first, then by id: the order every decision walks executions in. */
export function byAge(a: ScheduledExecution, b: ScheduledExecution): number {
  if (a.CreateTime !== b.CreateTime) return a.CreateTime < b.CreateTime ? -1 : 1;
  return a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0;
}

/** The most recent failed attempt (by ModifyTime: when it ended). */
export function latestEnded(executions: readonly ScheduledExecution[]): ScheduledExecution | undefined {
  let latest: ScheduledExecution | undefined;
  for (const e of executions) if (!latest || e.ModifyTime > latest.ModifyTime) latest = e;
  return latest;
}

/** How a new execution will look once inserted, for the plan's view (`id` is a placeholder). */
export function plannedExecution(
  job: Job,
  id: string,
  p: Omit<NewExecution, 'computeState'>,
  now: Nanos,
): ScheduledExecution {
  return {
    ID: id,
    Namespace: job.Namespace,
    EvalID: '',
    Name: '',
    NodeID: p.nodeId,
    JobID: job.ID,
    AllocatedResources: { Tasks: { planned: p.allocated } },
    DesiredState: { StateType: p.desiredState, Message: p.comment },
    ComputeState: { StateType: C.New, Message: '' },
    PublishedResult: { Type: '', Params: null },
    RunOutput: null,
    PreviousExecution: p.previousExecutionId ?? '',
    NextExecution: '',
    FollowupEvalID: '',
    outcome: '',
    Revision: 0,
    CreateTime: now,
    ModifyTime: now,
    partition: p.partition,
  };
}
