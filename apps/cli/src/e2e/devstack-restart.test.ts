import { ComputeStateType, type Execution } from '@shoal/models';
import {
  describeWithServices,
  dockerClient,
  getFreePort,
  makeTempDir,
  type TempDir,
  testImageName,
  waitFor,
} from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  api,
  killProcessesUsing,
  type RunningDevstack,
  startDevstack,
  submitJob,
} from './devstack-harness.js';

/**
 * A whole-cluster restart as an operator does it: Ctrl-C the devstack while a Docker job runs
 * (it stops the agents, then the orchestrator), then start it again on the same data dir. The job
 * must not be lost: it ends Completed with all of its output, run to completion exactly once, and
 * no execution is written off as on a node that disappeared.
 */
describeWithServices(['nats', 'docker'], 'shoal devstack restarted under a running Docker job', () => {
  let dir: TempDir;
  let devstack: RunningDevstack | undefined;
  let jobId = '';
  // The operator's second start uses the same flags, so the same ports (devstack would move off
  // a port taken meanwhile, with a warning, which is fine too).
  let ports: string[] = [];

  beforeAll(async () => {
    dir = await makeTempDir('shoal-devstack-restart-');
    ports = ['--api-port', String(await getFreePort()), '--nats-port', String(await getFreePort())];
  });

  afterAll(async () => {
    if (devstack && devstack.child.exitCode === null) {
      devstack.child.kill('SIGINT');
      await devstack.exited;
    }
    killProcessesUsing(dir.path);
    // Whatever the restart did with the job's containers, none may outlive the test.
    if (jobId) {
      const docker = dockerClient();
      const left = await docker.listContainers({
        all: true,
        filters: { label: [`io.shoal.job-id=${jobId}`] },
      });
      for (const c of left) await docker.getContainer(c.Id).remove({ force: true });
    }
    await dir.cleanup();
  }, 120_000);

  const start = async () => {
    devstack = startDevstack(['--nodes', '2', '--engines', 'docker', '--data-dir', dir.path, ...ports]);
    return devstack.ready();
  };
  const executions = async (url: string) =>
    (await api<{ Executions: Execution[] }>(url, `/orchestrator/jobs/${jobId}/executions`)).Executions;
  const containers = async () =>
    dockerClient().listContainers({ all: true, filters: { label: [`io.shoal.job-id=${jobId}`] } });

  it('ends the job Completed with its whole output, once, after Ctrl-C and a new start', async () => {
    let url = await start();
    jobId = await submitJob(url, {
      Type: 'batch',
      Tasks: [
        {
          Name: 'main',
          Engine: {
            Type: 'docker',
            Params: {
              Image: testImageName(),
              Entrypoint: ['sh', '-c'],
              Parameters: ['echo start; sleep 20; echo done'],
            },
          },
        },
      ],
    });

    // Running on a node: the orchestrator says so and its container is up (it has printed start).
    let seen = '';
    await waitFor(
      async () => {
        const listed = await executions(url);
        const running = (await containers()).map((c) => c.State);
        seen = `executions: ${JSON.stringify(listed.map((e) => [e.NodeID, e.ComputeState]))}; containers: ${running}`;
        return (
          listed.some((e) => e.ComputeState.StateType === ComputeStateType.BidAccepted) &&
          running.includes('running')
        );
      },
      { timeoutMs: 180_000, intervalMs: 250, message: () => `job ${jobId} to run in a container\n${seen}` },
    );

    const first = devstack as RunningDevstack;
    first.child.kill('SIGINT');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    // What the stop did to the container: gone, stopped, or left running for the next start.
    const afterStop = (await containers()).map((c) => `${c.Names[0]} ${c.State} (${c.Status})`);
    const whatHappened = () =>
      `container(s) after the stop: ${afterStop.join(', ') || 'none'}\n` +
      `first devstack stderr:\n${first.stderr()}\nsecond devstack stderr:\n${devstack?.stderr()}`;

    url = await start();
    const state = await waitFor(
      async () => {
        const { Job } = await api<{ Job: { State: { StateType: string; Message: string } } }>(
          url,
          `/orchestrator/jobs/${jobId}`,
        );
        return ['Completed', 'Failed', 'Stopped'].includes(Job.State.StateType) ? Job.State : undefined;
      },
      {
        timeoutMs: 240_000,
        intervalMs: 500,
        message: () => `job ${jobId} to end after the restart\n${whatHappened()}`,
      },
    );

    const all = await executions(url);
    const summary = all.map((e) => ({ node: e.NodeID, state: e.ComputeState, stdout: e.RunOutput?.stdout }));
    const context = `${JSON.stringify(summary, null, 2)}\n${whatHappened()}`;
    expect(state.StateType, `${state.Message}\n${context}`).toBe('Completed');
    const completed = all.filter((e) => e.ComputeState.StateType === ComputeStateType.Completed);
    expect(completed, context).toHaveLength(1);
    expect(completed[0]?.RunOutput?.stdout, context).toContain('start');
    expect(completed[0]?.RunOutput?.stdout, context).toContain('done');
    const lost = all.filter(
      (e) =>
        e.ComputeState.StateType === ComputeStateType.Failed &&
        e.ComputeState.Message.includes('node has disappeared'),
    );
    expect(lost, context).toEqual([]);
  }, 600_000);
});
