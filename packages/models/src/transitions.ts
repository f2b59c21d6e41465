import type { ComputeStateType, DesiredStateType, JobStateType } from './enums.js';
import { ComputeStateType as C, DesiredStateType as D, JobStateType as J } from './enums.js';

/**
 * Legal state changes. A terminal state never changes. A non-terminal state may "move" to itself:
 * that is an update (new revision, new message) without a state change, as the v1 jobs API's execution
 * history shows (1→1, 3→3).
 */

const JOB_TERMINAL: ReadonlySet<JobStateType> = new Set([J.Completed, J.Failed, J.Stopped]);
const JOB_NEXT: Readonly<Record<JobStateType, readonly JobStateType[]>> = {
  [J.Undefined]: [J.Pending],
  [J.Pending]: [J.Queued, J.Running, J.Completed, J.Failed, J.Stopped],
  [J.Queued]: [J.Pending, J.Running, J.Failed, J.Stopped],
  // Running → Queued happens when a service or batch job loses its executions and must wait.
  [J.Running]: [J.Queued, J.Completed, J.Failed, J.Stopped],
  [J.Completed]: [],
  [J.Failed]: [],
  [J.Stopped]: [],
};

const COMPUTE_TERMINAL: ReadonlySet<ComputeStateType> = new Set([
  C.AskForBidRejected,
  C.BidRejected,
  C.Completed,
  C.Failed,
  C.Cancelled,
]);
const ENDINGS = [C.Failed, C.Cancelled] as const;
const COMPUTE_NEXT: Readonly<Record<ComputeStateType, readonly ComputeStateType[]>> = {
  [C.Undefined]: [C.New],
  [C.New]: [C.AskForBid, ...ENDINGS],
  // Without an approval round (ops, daemon) an agent goes straight from the ask to running.
  [C.AskForBid]: [C.AskForBidAccepted, C.AskForBidRejected, C.BidAccepted, C.Completed, ...ENDINGS],
  [C.AskForBidAccepted]: [C.BidAccepted, C.BidRejected, C.Completed, ...ENDINGS],
  [C.AskForBidRejected]: [],
  [C.BidAccepted]: [C.Completed, ...ENDINGS],
  [C.BidRejected]: [],
  [C.Completed]: [],
  [C.Failed]: [],
  [C.Cancelled]: [],
};

const DESIRED_NEXT: Readonly<Record<DesiredStateType, readonly DesiredStateType[]>> = {
  [D.Pending]: [D.Running, D.Stopped],
  [D.Running]: [D.Stopped],
  [D.Stopped]: [],
};

export function isTerminalJobState(state: JobStateType): boolean {
  return JOB_TERMINAL.has(state);
}

export function isTerminalComputeState(state: ComputeStateType): boolean {
  return COMPUTE_TERMINAL.has(state);
}

export function isTerminalDesiredState(state: DesiredStateType): boolean {
  return state === D.Stopped;
}

/** An execution that holds (or is about to hold) resources on its node. */
export function isActiveComputeState(state: ComputeStateType): boolean {
  return state === C.AskForBidAccepted || state === C.BidAccepted;
}

/** Running on its node: the bid was accepted and no terminal state was reported yet. */
export function isRunningComputeState(state: ComputeStateType): boolean {
  return state === C.BidAccepted;
}

export function canTransitionJob(from: JobStateType, to: JobStateType): boolean {
  if (isTerminalJobState(from)) return false;
  if (from === to) return from !== J.Undefined;
  return JOB_NEXT[from].includes(to);
}

export function canTransitionCompute(from: ComputeStateType, to: ComputeStateType): boolean {
  if (isTerminalComputeState(from)) return false;
  if (from === to) return from !== C.Undefined;
  return COMPUTE_NEXT[from].includes(to);
}

export function canTransitionDesired(from: DesiredStateType, to: DesiredStateType): boolean {
  if (isTerminalDesiredState(from)) return false;
  if (from === to) return true;
  return DESIRED_NEXT[from].includes(to);
}

/** The legal successors of a state, self excluded (for docs and error hints). */
export function nextJobStates(from: JobStateType): readonly JobStateType[] {
  return JOB_NEXT[from];
}

export function nextComputeStates(from: ComputeStateType): readonly ComputeStateType[] {
  return COMPUTE_NEXT[from];
}

export function nextDesiredStates(from: DesiredStateType): readonly DesiredStateType[] {
  return DESIRED_NEXT[from];
}
