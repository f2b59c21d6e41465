import type { ShoalClient } from '@shoal/client';
import {
  ComputeStateType,
  type Execution,
  type GetJobResponse,
  type Job,
  JobStateType,
  shortId,
} from '@shoal/models';
import { ExitCode } from '../exit-codes.js';
import type { CliIO } from '../io.js';
import { startStatus } from '../output/spinner.js';

/**
 * Waiting for a job (`--wait`, `--follow`) and what is shown when it ends: the output of each
 * execution, and an exit code. A job is over when it is Completed, Failed or Stopped. Exit 0 only
 * when it Completed and every execution shown exited 0, like `docker run`, so scripts can test it.
 */

const TERMINAL: ReadonlySet<string> = new Set([
  JobStateType.Completed,
  JobStateType.Failed,
  JobStateType.Stopped,
]);
export const DEFAULT_POLL_MS = 250;

export function isTerminal(job: Job): boolean {
  return TERMINAL.has(job.State.StateType);
}

export interface WaitOptions {
  pollMs?: number;
  /** Called with each new state (and message). */
  onState?: (job: Job) => void;
}

export async function waitForJob(client: ShoalClient, id: string, options: WaitOptions = {}): Promise<Job> {
  let last = '';
  for (;;) {
    const { Job: job } = await client.jobs.get(id);
    const seen = `${job.State.StateType}\u0000${job.State.Message}`;
    if (seen !== last) {
      last = seen;
      options.onState?.(job);
    }
    if (isTerminal(job)) return job;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? DEFAULT_POLL_MS));
  }
}

export function stateText(job: Job): string {
  const message = job.State.Message ? `: ${job.State.Message}` : '';
  return `Job ${shortId(job.ID)} ${job.State.StateType}${message}`;
}

/** Every execution of a job, across pages, oldest first. */
export async function allExecutions(client: ShoalClient, id: string): Promise<Execution[]> {
  const executions: Execution[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < 100; page += 1) {
    const answer = await client.jobs.executions(id, { orderBy: 'create_time', limit: 1000, nextToken });
    executions.push(...answer.Executions);
    if (!answer.NextToken || answer.Executions.length === 0) break;
    nextToken = answer.NextToken;
  }
  return executions;
}

/** The executions whose output is worth showing: those that ran to an end. */
function finishedRuns(executions: readonly Execution[]): Execution[] {
  return executions.filter(
    (e) =>
      e.RunOutput !== null &&
      (e.ComputeState.StateType === ComputeStateType.Completed ||
        e.ComputeState.StateType === ComputeStateType.Failed),
  );
}

/** Prints each run's stdout (to stdout) and stderr (to stderr); returns the exit code. */
export function printRuns(io: CliIO, job: Job, executions: readonly Execution[]): ExitCode {
  const runs = finishedRuns(executions);
  let allZero = true;
  for (const run of runs) {
    const out = run.RunOutput;
    if (!out) continue;
    if (runs.length > 1)
      io.err(`--- execution ${shortId(run.ID)} on ${shortId(run.NodeID)} (exit code ${out.exitCode}) ---\n`);
    if (out.stdout) io.out(out.stdout);
    if (out.stdouttruncated) io.err(`(stdout of ${shortId(run.ID)} was truncated)\n`);
    if (out.stderr) io.err(out.stderr);
    if (out.runnerError) io.err(`execution ${shortId(run.ID)} failed: ${out.runnerError}\n`);
    if (out.exitCode !== 0 || out.runnerError) allZero = false;
  }
  return job.State.StateType === JobStateType.Completed && allZero ? ExitCode.Ok : ExitCode.Failed;
}

/** `--wait`: a status line while the job runs, then its output. */
export async function waitAndReport(
  client: ShoalClient,
  io: CliIO,
  id: string,
  options: { quiet: boolean; pollMs?: number },
): Promise<{ code: ExitCode; final: GetJobResponse }> {
  const status = options.quiet ? undefined : startStatus(io);
  let job: Job;
  try {
    job = await waitForJob(client, id, {
      ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
      onState: (j) => status?.update(stateText(j)),
    });
  } catch (error) {
    status?.done();
    throw error;
  }
  status?.done(stateText(job));
  const executions = await allExecutions(client, id);
  const code = options.quiet ? exitCodeOf(job, executions) : printRuns(io, job, executions);
  return { code, final: { Job: job, Executions: { NextToken: '', Executions: executions } } };
}

export function exitCodeOf(job: Job, executions: readonly Execution[]): ExitCode {
  const ok =
    job.State.StateType === JobStateType.Completed &&
    finishedRuns(executions).every((e) => e.RunOutput?.exitCode === 0 && !e.RunOutput.runnerError);
  return ok ? ExitCode.Ok : ExitCode.Failed;
}
