import {
  ComputeStateType,
  DesiredStateType,
  type Execution,
  isTerminalComputeState,
  type Job,
  JobStateType,
  JobType,
  shortId,
} from '@shoal/models';

/**
 * Daemon and service jobs never end on their own, so `--wait` on them waits for them to be up
 * instead: the job is Running and every execution that has not ended runs its task (its bid was
 * accepted, ComputeState BidAccepted, and the orchestrator wants it to run, DesiredState
 * Running), with at least one (a service: at least Count). An execution still being placed or
 * stopped keeps the wait going; a job that ends first is reported like any other.
 */

export function runsUntilStopped(job: Job): boolean {
  return job.Type === JobType.Daemon || job.Type === JobType.Service;
}

function liveExecutions(executions: readonly Execution[]): Execution[] {
  return executions.filter((e) => !isTerminalComputeState(e.ComputeState.StateType));
}

function isRunning(e: Execution): boolean {
  return (
    e.ComputeState.StateType === ComputeStateType.BidAccepted &&
    e.DesiredState.StateType === DesiredStateType.Running
  );
}

export function isUp(job: Job, executions: readonly Execution[]): boolean {
  if (!runsUntilStopped(job) || job.State.StateType !== JobStateType.Running) return false;
  const live = liveExecutions(executions);
  const wanted = job.Type === JobType.Service ? Math.max(1, job.Count) : 1;
  return live.length >= wanted && live.every(isRunning);
}

/** `Job j-1a2b3c4d Running on node-1, node-2`: the last line of `--wait` on a job that is up. */
export function upText(job: Job, executions: readonly Execution[]): string {
  const nodes = [...new Set(liveExecutions(executions).map((e) => shortId(e.NodeID)))].sort();
  return `Job ${shortId(job.ID)} ${job.State.StateType} on ${nodes.join(', ')}`;
}
