import { ComputeStateType, type Execution, JobStateType } from '@shoal/models';
import type { CliIO } from '../io.js';
import type { DevstackApi } from './api.js';
import { PollAborted, pollUntil } from './poll.js';
import type { ReadyStack } from './stack.js';

/**
 * The hello-world job `--hello` runs once the cluster is ready (the README's first command ends
 * with its output): `echo hello world` in a container when the agents have Docker, else the noop
 * engine printing the same line, so the path through the API and the agents is shown either way.
 */

export interface HelloOutcome {
  jobId: string;
  engine: 'docker' | 'noop';
  state: string;
  /** The job state's message (why it failed). */
  message: string;
  nodeId: string | undefined;
  stdout: string;
  stderr: string;
}

export function helloJob(engine: 'docker' | 'noop', image: string): Record<string, unknown> {
  const task =
    engine === 'docker'
      ? {
          Type: 'docker',
          Params: { Image: image, Entrypoint: ['sh', '-c'], Parameters: ['echo hello world'] },
        }
      : { Type: 'noop', Params: { Stdout: 'hello world\n' } };
  return {
    Name: 'hello-world',
    Type: 'batch',
    Count: 1,
    Labels: { 'shoal.devstack': 'hello' },
    Tasks: [{ Name: 'hello', Engine: task }],
  };
}

const TERMINAL: readonly string[] = [JobStateType.Completed, JobStateType.Failed, JobStateType.Stopped];

export async function runHello(
  api: DevstackApi,
  options: { engine: 'docker' | 'noop'; image: string; timeoutMs: number; signal?: AbortSignal },
): Promise<HelloOutcome> {
  const jobId = await api.submit(helloJob(options.engine, options.image));
  const job = await pollUntil(
    async () => {
      const current = await api.job(jobId);
      return TERMINAL.includes(current.State.StateType) ? current : undefined;
    },
    {
      timeoutMs: options.timeoutMs,
      what: `the hello-world job ${jobId} to finish`,
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  const executions = await api.executions(jobId);
  const run = pickRun(executions);
  return {
    jobId,
    engine: options.engine,
    state: job.State.StateType,
    message: job.State.Message ?? '',
    nodeId: run?.NodeID,
    stdout: run?.RunOutput?.stdout ?? '',
    stderr: run?.RunOutput?.stderr ?? '',
  };
}

/** The completed execution, else the last one that has output. */
function pickRun(executions: readonly Execution[]): Execution | undefined {
  return (
    executions.find((e) => e.ComputeState.StateType === ComputeStateType.Completed) ??
    [...executions].reverse().find((e) => e.RunOutput !== null) ??
    executions.at(-1)
  );
}

/**
 * Runs the job and prints its outcome and stdout on stdout. A failure is a warning, not the end
 * of the cluster: it keeps running so the cause can be looked at (its logs, `job describe`).
 */
export async function printHello(
  io: CliIO,
  ready: ReadyStack,
  image: string,
  signal: AbortSignal,
): Promise<void> {
  const engine = ready.engines.includes('docker') ? 'docker' : 'noop';
  const what = engine === 'docker' ? `docker, ${image}` : 'noop: the agents run without the docker engine';
  io.out(`hello-world: submitting a job (${what})…\n`);
  try {
    const outcome = await runHello(ready.api, { engine, image, timeoutMs: 180_000, signal });
    const where = outcome.nodeId ? ` on ${outcome.nodeId}` : '';
    io.out(`hello-world: job ${outcome.jobId}${where}: ${outcome.state}\n`);
    if (outcome.stdout) io.out(outcome.stdout.endsWith('\n') ? outcome.stdout : `${outcome.stdout}\n`);
    if (outcome.state !== JobStateType.Completed) {
      const stderr = outcome.stderr.trim()
        ? `\n${outcome.stderr.trimEnd().split('\n').slice(-5).join('\n')}`
        : '';
      io.err(`warning: the hello-world job did not complete: ${outcome.message}${stderr}\n`);
    }
  } catch (error) {
    if (error instanceof PollAborted) throw error;
    io.err(`warning: the hello-world job failed: ${(error as Error).message}\n`);
  }
}
