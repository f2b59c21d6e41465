import { decodeJson, type Execution, type Job } from '@shoal/models';
import { describeWithServices, waitFor } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';

/**
 * `--wait` against a real orchestrator and two noop agents: the final state with the task's exit
 * code, the CLI exiting with that code, and daemon and service jobs returning once they are up.
 */

const noop = (params: Record<string, unknown>, job: Record<string, unknown> = {}) =>
  JSON.stringify({
    Type: 'batch',
    Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: params } }],
    ...job,
  });

describeWithServices(['nats'], 'shoal job run --wait: exit codes and long-running jobs', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster({
      agents: [
        { name: 'wait-a', labels: { zone: 'a' } },
        { name: 'wait-b', labels: { zone: 'b' } },
      ],
    });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${cluster.api}/api/v1/orchestrator/jobs/${path}`);
    expect(res.status).toBe(200);
    return decodeJson(await res.text()) as T;
  };
  const jobOf = (stderr: string) => /Job (j-[0-9a-f]{8}) /.exec(stderr)?.[1] ?? 'none';
  /** Long-running jobs are stopped, and seen stopped, before the next test and the cluster's stop. */
  const stop = async (id: string) => {
    expect((await cluster.cli(['job', 'stop', id])).code).toBe(0);
    await waitFor(async () => (await get<{ Job: Job }>(id)).Job.State.StateType === 'Stopped', {
      timeoutMs: 30_000,
      message: `job ${id} to stop`,
    });
  };

  it('a task that exits 0: `Completed (exit code 0)`, exit 0', async () => {
    const run = await cluster.cli(['job', 'run', '-', '--wait'], { stdin: noop({ Stdout: 'ok\n' }) });
    expect(run.stderr).toMatch(/\nJob j-[0-9a-f]{8} Completed \(exit code 0\)\n$/);
    expect([run.code, run.stdout]).toEqual([0, 'ok\n']);
  });

  it('a task that exits 3: its state with exit code 3, its output, and exit 3', async () => {
    const run = await cluster.cli(['job', 'run', '-', '--wait'], {
      stdin: noop({ Stdout: 'partial\n', Stderr: 'oops\n', ExitCode: 3 }),
    });
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('partial\n');
    // A non-zero exit fails the job; its message says why.
    expect(run.stderr).toMatch(/\nJob j-[0-9a-f]{8} Failed \(exit code 3\): .+\noops\n$/);
    const { Job: job } = await get<{ Job: Job }>(jobOf(run.stderr));
    expect(job.State.StateType).toBe('Failed');
  });

  it('--follow ends the same way: the state with the exit code, and exit 3', async () => {
    const run = await cluster.cli(['job', 'run', '-', '--follow'], {
      stdin: noop({ Stdout: 'out\n', ExitCode: 3, Delay: '200ms' }),
    });
    expect([run.code, run.stdout]).toEqual([3, 'out\n']);
    expect(run.stderr).toMatch(/^Job j-[0-9a-f]{8} Failed \(exit code 3\): .+\n$/);
  });

  it('a timed-out task with no exit code: Failed with the reason, exit 1; executions show `-`', async () => {
    const run = await cluster.cli(['job', 'run', '-', '--wait'], {
      stdin: JSON.stringify({
        Type: 'batch',
        Tasks: [
          {
            Name: 'main',
            Engine: { Type: 'noop', Params: { Delay: '1m' } },
            Timeouts: { ExecutionTimeout: 1 },
          },
        ],
      }),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/\nJob j-[0-9a-f]{8} Failed: .*timed out after 1s\n$/);
    const table = await cluster.cli(['job', 'executions', jobOf(run.stderr)]);
    expect(table.stdout).toMatch(/^ID\s+NODE\s+STATE\s+DESIRED\s+EXIT\s+CREATED\s+MODIFIED\s+MESSAGE\n/);
    expect(table.stdout).toMatch(
      /\ne-[0-9a-f]{8}\s+wait-[ab]\s+Failed\s+Stopped\s+-\s+.*timed out after 1s\n$/,
    );
  });

  it('a daemon job: --wait returns once it runs on every node, exit 0', async () => {
    const run = await cluster.cli(['job', 'run', '-', '--wait'], {
      stdin: noop({ Delay: '10m' }, { Type: 'daemon' }),
    });
    expect(run.stderr).toMatch(/\nJob j-[0-9a-f]{8} Running on wait-a, wait-b\n$/);
    expect([run.code, run.stdout]).toEqual([0, '']);
    const id = jobOf(run.stderr);
    const { Executions } = await get<{ Executions: Execution[] }>(`${id}/executions`);
    expect(Executions.map((e) => [e.ComputeState.StateType, e.DesiredState.StateType])).toEqual([
      [5, 1],
      [5, 1],
    ]);
    await stop(id);
  });

  it('a service job: --wait returns once Count executions run; --output json has them', async () => {
    const run = await cluster.cli(['job', 'run', '-', '--wait', '-o', 'json'], {
      stdin: noop({ Delay: '10m' }, { Type: 'service', Count: 2 }),
    });
    expect(run.code).toBe(0);
    const final = decodeJson(run.stdout) as { Job: Job; Executions: { Executions: Execution[] } };
    expect(final.Job.State.StateType).toBe('Running');
    expect(final.Executions.Executions.filter((e) => e.ComputeState.StateType === 5)).toHaveLength(2);
    await stop(final.Job.ID);
  });
});
