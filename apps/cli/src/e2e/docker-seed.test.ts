import { readFileSync } from 'node:fs';
import type { Execution, JobHistory } from '@shoal/models';
import {
  describeWithServices,
  ensureTestImage,
  removeContainersByLabel,
  testImageName,
  waitFor,
} from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';

/**
 * The create-job example from the v1 jobs API (packages/models/src/test-data), run for real on the
 * docker engine (with the local test image, since no registry is reachable), then described as
 * that API's describe, executions and history examples show it.
 */

const seedRequest = JSON.parse(
  readFileSync(
    new URL('../../../../packages/models/src/test-data/create-job-request.json', import.meta.url),
    'utf8',
  ),
) as { Job: { Tasks: Array<{ Engine: { Params: Record<string, unknown> } }> } };

/** The example's job, with its image and command swapped as given. */
function seedJob(params: Record<string, unknown>) {
  const request = structuredClone(seedRequest);
  const task = request.Job.Tasks[0];
  if (task) task.Engine.Params = { ...task.Engine.Params, ...params };
  return request;
}

describeWithServices(['nats', 'docker'], 'the v1 jobs API’s create-job example on the docker engine', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    await ensureTestImage();
    cluster = await startTestCluster({ agents: [{ name: 'seed-docker', labels: {}, engines: ['docker'] }] });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    await removeContainersByLabel('io.shoal.node-id=seed-docker');
  });

  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${cluster.api}/api/v1/orchestrator${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await res.json()) as T;
  };
  const finished = (id: string) =>
    waitFor(
      async () => {
        const { Job } = await call<{ Job: { State: { StateType: string; Message: string } } }>(
          'GET',
          `/jobs/${id}`,
        );
        return ['Completed', 'Failed'].includes(Job.State.StateType) ? Job.State : undefined;
      },
      { timeoutMs: 60_000, message: `job ${id} to finish` },
    );

  it('echo hello world: stdout, exit code 0, states 7 and 2, and the example’s history', async () => {
    const submitted = await call<{ JobID: string; Warnings: string[] }>(
      'PUT',
      '/jobs',
      seedJob({ Image: testImageName(), Entrypoint: ['echo', 'hello', 'world'] }),
    );
    expect(submitted.Warnings).toEqual(['job create time is ignored when submitting a job']);
    expect(await finished(submitted.JobID)).toEqual({ StateType: 'Completed', Message: '' });

    const { Executions } = await call<{ Executions: Execution[] }>(
      'GET',
      `/jobs/${submitted.JobID}/executions`,
    );
    expect(Executions).toHaveLength(1);
    const [execution] = Executions as [Execution];
    expect(execution.ComputeState.StateType).toBe(7);
    expect(execution.DesiredState.StateType).toBe(2);
    expect(execution.RunOutput).toEqual({
      stdout: 'hello world\n',
      stdouttruncated: false,
      stderr: '',
      stderrtruncated: false,
      exitCode: 0,
      runnerError: '',
      ErrorMsg: '',
    });

    const { History } = await call<{ History: JobHistory[] }>(
      'GET',
      `/jobs/${submitted.JobID}/history?execution_id=${execution.ID}`,
    );
    // The example's node bid and was then accepted (2>3, 3>3, 3>5); with one ask per partition
    // Shoal's node starts on accepting (2>5). Same states and numbers, one round trip fewer
    // (docs/compatibility.md).
    const transitions = History.map((h) => [h.ExecutionState?.Previous, h.ExecutionState?.New]);
    expect(transitions).toEqual([
      [1, 1],
      [1, 2],
      [2, 5],
      [5, 7],
    ]);
    expect(History.map((h) => h.NewRevision)).toEqual([1, 2, 3, 4]);
  }, 90_000);

  it('the example’s own image, which no registry here can serve, fails at once naming it', async () => {
    const started = Date.now();
    const { JobID } = await call<{ JobID: string }>('PUT', '/jobs', seedRequest);
    const state = await finished(JobID);
    expect(state.StateType).toBe('Failed');
    expect(state.Message).toContain('ubuntu:latest');
    // Retries on the only node are refused (it failed there); nothing waits for a registry.
    expect(Date.now() - started).toBeLessThan(45_000);
  }, 90_000);
});
