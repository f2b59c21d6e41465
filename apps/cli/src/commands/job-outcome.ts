import {
  ComputeStateType,
  type Execution,
  type Job,
  JobStateType,
  type RunOutput,
  shortId,
} from '@shoal/models';
import { ExitCode } from '../exit-codes.js';

/**
 * How `--wait` and `--follow` end, as `docker run` does: the final state with the task's exit
 * code, and that code as the CLI's own. 0 when the job Completed and every run exited 0; the exit
 * code of the last run that exited non-zero when there is one (a timed-out container killed with
 * 137 or 143 included); else 1 (the job failed or was stopped without a task exit code, e.g. no
 * node fitted, or the run failed before its command ran).
 */

export interface Outcome {
  /** What the CLI exits with. */
  code: ExitCode;
  /** The task's exit code shown with the state; undefined when no run reported one. */
  taskExitCode: number | undefined;
}

type Run = Execution & { RunOutput: RunOutput };

/** The executions that ran to an end and reported what their task did. */
export function finishedRuns(executions: readonly Execution[]): Run[] {
  return executions.filter(
    (e): e is Run =>
      e.RunOutput !== null &&
      (e.ComputeState.StateType === ComputeStateType.Completed ||
        e.ComputeState.StateType === ComputeStateType.Failed),
  );
}

/**
 * A process can only exit with 0–255, and 0 would claim success: a task code outside 1–255 (a
 * negative "unknown", 256 that would wrap to 0) becomes 1.
 */
function asProcessCode(code: number): ExitCode {
  // ExitCode names the CLI's own codes; a task's code is passed through as docker run does.
  return (Number.isInteger(code) && code >= 1 && code <= 255 ? code : ExitCode.Failed) as ExitCode;
}

export function jobOutcome(job: Job, executions: readonly Execution[]): Outcome {
  const runs = finishedRuns(executions);
  const nonZero = runs.filter((r) => r.RunOutput.exitCode !== 0).at(-1);
  if (nonZero) {
    return { code: asProcessCode(nonZero.RunOutput.exitCode), taskExitCode: nonZero.RunOutput.exitCode };
  }
  if (job.State.StateType !== JobStateType.Completed) {
    return { code: ExitCode.Failed, taskExitCode: undefined };
  }
  // A run can exit 0 and still fail around its command (its output could not be published).
  const broken = runs.some((r) => r.RunOutput.runnerError !== '');
  return { code: broken ? ExitCode.Failed : ExitCode.Ok, taskExitCode: runs.length > 0 ? 0 : undefined };
}

/** `Job j-1a2b3c4d Running` (with `: message` when the state has one), while it is waited for. */
export function stateText(job: Job): string {
  const message = job.State.Message ? `: ${job.State.Message}` : '';
  return `Job ${shortId(job.ID)} ${job.State.StateType}${message}`;
}

/** `Job j-1a2b3c4d Failed (exit code 3): message`: the last line of `--wait` and `--follow`. */
export function outcomeText(job: Job, outcome: Outcome): string {
  const code = outcome.taskExitCode === undefined ? '' : ` (exit code ${outcome.taskExitCode})`;
  const message = job.State.Message ? `: ${job.State.Message}` : '';
  return `Job ${shortId(job.ID)} ${job.State.StateType}${code}${message}`;
}
