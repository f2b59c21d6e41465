import { type LogFrame, LogStreamType, type ShoalClient } from '@shoal/client';
import {
  ComputeStateType,
  ErrorCode,
  type Execution,
  isShoalError,
  isTerminalComputeState,
  type Job,
  JobType,
  ShoalError,
  shortId,
} from '@shoal/models';
import { ExitCode } from '../exit-codes.js';
import type { CliIO } from '../io.js';
import { describeError } from '../output/errors.js';
import { executionLabel, prefixLine } from '../output/log-prefix.js';
import { allExecutions, DEFAULT_POLL_MS, isTerminal } from './job-wait.js';

/**
 * The logs of every execution of a job, each read through its own log WebSocket, concurrently.
 * When the job can have several (Count > 1, a daemon, or more than one listed already) every
 * line is prefixed with its node (see log-prefix.ts); otherwise the bytes are the task's own.
 * With follow, the job's executions are listed again every poll so that one placed later (a
 * retry, a node that joined a daemon) is followed too, until the job has ended and every stream
 * is over. Lines are written whole, so lines of different executions never mix.
 */

export interface JobLogsOptions {
  follow: boolean;
  tail?: number | undefined;
  pollMs?: number;
}

/** States in which a node has (or had) the execution, so it may have output. */
const ON_A_NODE: ReadonlySet<number> = new Set([
  ComputeStateType.BidAccepted,
  ComputeStateType.Completed,
  ComputeStateType.Failed,
  ComputeStateType.Cancelled,
]);

/** Reads one stream to its end, writing stdout lines to stdout and stderr lines to stderr. */
export async function printStream(
  io: CliIO,
  stream: AsyncIterable<LogFrame>,
  prefix?: () => { label: string; width: number },
): Promise<void> {
  for await (const frame of stream) {
    const p = prefix?.();
    const text = p ? prefixLine(p.label, p.width, frame.Line) : frame.Line;
    if (frame.Type === LogStreamType.Stderr) io.err(text);
    else io.out(text);
  }
}

/**
 * Returns Ok, or Failed when the logs of some execution could not be read; each such execution
 * is named on stderr after the others were shown. An execution that ended without reporting a
 * run (cancelled before it started) and whose node has no output of it is passed over quietly.
 */
export async function printJobLogs(
  client: ShoalClient,
  io: CliIO,
  id: string,
  options: JobLogsOptions,
): Promise<ExitCode> {
  const streams = new Map<string, Promise<boolean>>();
  let several: boolean | undefined;
  let width = 0;
  let job: Job;
  for (;;) {
    ({ Job: job } = await client.jobs.get(id));
    const executions = await allExecutions(client, job.ID);
    const readable = executions.filter((e) => ON_A_NODE.has(e.ComputeState.StateType));
    several ??= job.Type === JobType.Daemon || job.Count > 1 || readable.length > 1;
    for (const execution of readable) {
      if (streams.has(execution.ID)) continue;
      const label = executionLabel(execution, executions);
      width = Math.max(width, label.length);
      const prefix = several ? () => ({ label, width }) : undefined;
      streams.set(execution.ID, follow(client, io, job, execution, options, prefix));
    }
    if (!options.follow || isTerminal(job)) break;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? DEFAULT_POLL_MS));
  }
  if (streams.size === 0) {
    throw new ShoalError(ErrorCode.NotFound, `job ${shortId(job.ID)} has no execution that ran`, {
      component: 'Logs',
      hint: isTerminal(job)
        ? `the job is ${job.State.StateType}${job.State.Message ? `: ${job.State.Message}` : ''}`
        : 'retry once it runs, or add --follow to wait for it',
    });
  }
  const read = await Promise.all(streams.values());
  return read.every(Boolean) ? ExitCode.Ok : ExitCode.Failed;
}

/** One execution's stream; false when it could not be read (reported on stderr). */
async function follow(
  client: ShoalClient,
  io: CliIO,
  job: Job,
  execution: Execution,
  options: JobLogsOptions,
  prefix: (() => { label: string; width: number }) | undefined,
): Promise<boolean> {
  const stream = client.jobs.logs(job.ID, {
    executionId: execution.ID,
    ...(options.follow ? { follow: true } : {}),
    ...(options.tail === undefined ? {} : { tail: options.tail }),
  });
  try {
    await printStream(io, stream, prefix);
    return true;
  } catch (error) {
    const neverRan = execution.RunOutput === null && isTerminalComputeState(execution.ComputeState.StateType);
    if (neverRan && isShoalError(error) && error.code === ErrorCode.NotFound) return true;
    const reason = describeError(error).line.replace(/^Error: /, '');
    io.err(`Error: logs of execution ${shortId(execution.ID)} on ${shortId(execution.NodeID)}: ${reason}\n`);
    return false;
  }
}
