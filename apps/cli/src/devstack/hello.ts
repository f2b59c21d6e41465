import { ComputeStateType, type Execution, JobStateType } from '@shoal/models';
import type { DevstackApi } from './api.js';
import { pollUntil } from './poll.js';

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
