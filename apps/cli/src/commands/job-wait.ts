import type { ShoalClient } from '@shoal/client';
import { type Execution, type GetJobResponse, isTerminalJobState, type Job, shortId } from '@shoal/models';
import { ExitCode } from '../exit-codes.js';
import type { CliIO } from '../io.js';
import { startStatus } from '../output/spinner.js';
import { finishedRuns, jobOutcome, outcomeText, stateText } from './job-outcome.js';
import { isUp, upText } from './job-ready.js';

/**
 * Waiting for a job (`--wait`, `--follow`) and what is shown when the wait is over: the final
 * state with the task's exit code (see job-outcome.ts), then each finished run's output. A job is
 * over when it is Completed, Failed or Stopped, or, when asked (`--wait`), once a daemon or
 * service job is up (see job-ready.ts). A wait may be bounded (`--wait-timeout-secs`): it then
 * gives up with WaitTimedOut, and the job keeps running.
 */

export const DEFAULT_POLL_MS = 250;

export function isTerminal(job: Job): boolean {
  return isTerminalJobState(job.State.StateType);
}

export interface WaitOptions {
  pollMs?: number;
  /** Called with each new state (and message). */
  onState?: (job: Job) => void;
  /** Also return once a daemon or service job is up, instead of only when it ends. */
  untilUp?: boolean;
  /** Give up (WaitTimedOut) when the job has not ended after this long; none: wait as long as it takes. */
  timeoutMs?: number;
}

/** The wait was given up; the job itself was left alone and may still be running. */
export class WaitTimedOut extends Error {
  constructor(
    readonly job: Job,
    readonly timeoutMs: number,
  ) {
    super(`job ${shortId(job.ID)} is still ${job.State.StateType} after ${timeoutMs / 1000}s`);
    this.name = 'WaitTimedOut';
  }
}

export interface Waited {
  job: Job;
  executions: Execution[];
  /** True when the wait ended because the daemon or service job is up, not because it ended. */
  up: boolean;
}

export async function waitForJob(
  client: ShoalClient,
  id: string,
  options: WaitOptions = {},
): Promise<Waited> {
  let last = '';
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  for (;;) {
    const { Job: job } = await client.jobs.get(id);
    const seen = `${job.State.StateType}\u0000${job.State.Message}`;
    if (seen !== last) {
      last = seen;
      options.onState?.(job);
    }
    if (isTerminal(job)) return { job, executions: await allExecutions(client, job.ID), up: false };
    if (options.untilUp) {
      const executions = await allExecutions(client, job.ID);
      if (isUp(job, executions)) return { job, executions, up: true };
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new WaitTimedOut(job, options.timeoutMs ?? 0);
    await new Promise((resolve) => setTimeout(resolve, Math.min(left, options.pollMs ?? DEFAULT_POLL_MS)));
  }
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

/** Prints each finished run's stdout (to stdout) and stderr (to stderr). */
export function printRuns(io: CliIO, executions: readonly Execution[]): void {
  const runs = finishedRuns(executions);
  for (const run of runs) {
    const out = run.RunOutput;
    if (runs.length > 1)
      io.err(`--- execution ${shortId(run.ID)} on ${shortId(run.NodeID)} (exit code ${out.exitCode}) ---\n`);
    if (out.stdout) io.out(out.stdout);
    if (out.stdouttruncated) io.err(`(stdout of ${shortId(run.ID)} was truncated)\n`);
    if (out.stderr) io.err(out.stderr);
    if (out.runnerError) io.err(`execution ${shortId(run.ID)} failed: ${out.runnerError}\n`);
  }
}

/**
 * `--wait`: a status line while the job is pending or running, then the final state and the
 * output of its runs. A daemon or service job that is up is reported as such, with nothing to
 * print yet, and exit 0.
 */
export async function waitAndReport(
  client: ShoalClient,
  io: CliIO,
  id: string,
  options: { quiet: boolean; pollMs?: number; timeoutMs?: number },
): Promise<{ code: ExitCode; final: GetJobResponse }> {
  const status = options.quiet ? undefined : startStatus(io);
  let waited: Waited;
  try {
    waited = await waitForJob(client, id, {
      ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      onState: (j) => status?.update(stateText(j)),
      untilUp: true,
    });
  } catch (error) {
    status?.done();
    throw error;
  }
  const { job, executions } = waited;
  const final = { Job: job, Executions: { NextToken: '', Executions: executions } };
  if (waited.up) {
    status?.done(upText(job, executions));
    return { code: ExitCode.Ok, final };
  }
  const outcome = jobOutcome(job, executions);
  status?.done(outcomeText(job, outcome));
  if (!options.quiet) printRuns(io, executions);
  return { code: outcome.code, final };
}
