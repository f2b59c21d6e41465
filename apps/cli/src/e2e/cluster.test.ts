import type { Execution, JobHistory, NodeState } from '@shoal/models';
import {
  createTestDatabase,
  describeWithServices,
  startNatsServer,
  type TestDatabase,
  waitFor,
} from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Cluster, getJson, startCluster, submit, waitForJobState } from './cluster.js';

/**
 * End to end: nats-server, Postgres, one orchestrator and three agent processes
 * talking only through NATS. Noop tasks; docker-seed.test.ts runs the docker engine the same way.
 */
describeWithServices(['postgres', 'nats'], 'a three-node cluster', () => {
  let db: TestDatabase;
  let nats: Awaited<ReturnType<typeof startNatsServer>>;
  let cluster: Cluster;
  const noop = (params: Record<string, unknown> = {}) => ({
    Name: 'main',
    Engine: { Type: 'noop', Params: params },
  });
  const executions = async (id: string) =>
    (await getJson<{ Executions: Execution[] }>(`${cluster.api}/api/v1/orchestrator/jobs/${id}/executions`))
      .Executions;

  beforeAll(async () => {
    db = await createTestDatabase({ prefix: 'shoal_e2e' });
    nats = await startNatsServer();
    cluster = await startCluster({ natsUrl: nats.url, dbUrl: db.url, agents: 3 });
    await waitFor(
      async () => {
        const { Nodes } = await getJson<{ Nodes: NodeState[] }>(`${cluster.api}/api/v1/orchestrator/nodes`);
        return Nodes.filter((n) => n.Connection === 'CONNECTED').length === 3;
      },
      { timeoutMs: 60_000, message: 'three agents never connected' },
    );
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await nats?.stop();
    await db?.drop();
  });

  it('lists the three nodes with their labels', async () => {
    const { Nodes } = await getJson<{ Nodes: NodeState[] }>(`${cluster.api}/api/v1/orchestrator/nodes`);
    expect(Nodes.map((n) => [n.Info.NodeID, n.Info.Labels.zone, n.Membership, n.Connection]).sort()).toEqual([
      ['node-1', 'a', 'APPROVED', 'CONNECTED'],
      ['node-2', 'b', 'APPROVED', 'CONNECTED'],
      ['node-3', 'c', 'APPROVED', 'CONNECTED'],
    ]);
  });

  it('completes a batch job with Count 3 on three nodes', async () => {
    const id = await submit(cluster.api, {
      Type: 'batch',
      Count: 3,
      Tasks: [noop({ Stdout: 'hello world\n' })],
    });
    await waitForJobState(cluster.api, id, ['Completed']);
    const list = await executions(id);
    expect(list).toHaveLength(3);
    expect(new Set(list.map((e) => e.NodeID)).size).toBe(3);
    for (const e of list) {
      expect(e.ComputeState.StateType).toBe(7);
      expect(e.DesiredState.StateType).toBe(2);
      expect(e.RunOutput).toMatchObject({ stdout: 'hello world\n', exitCode: 0, runnerError: '' });
    }
    const first = list[0] as Execution;
    const { History } = await getJson<{ History: JobHistory[] }>(
      `${cluster.api}/api/v1/orchestrator/jobs/${id}/history?execution_id=${first.ID}`,
    );
    // One ask per partition: the node starts on accepting (2>5), with no approval round (2>3>5).
    expect(History.map((h) => `${h.ExecutionState?.Previous}>${h.ExecutionState?.New}`)).toEqual([
      '1>1',
      '1>2',
      '2>5',
      '5>7',
    ]);
  }, 90_000);

  it('runs an ops job on every node', async () => {
    const id = await submit(cluster.api, { Type: 'ops', Tasks: [noop({ Stdout: 'ops' })] });
    await waitForJobState(cluster.api, id, ['Completed']);
    const list = await executions(id);
    expect(list.map((e) => e.NodeID).sort()).toEqual(['node-1', 'node-2', 'node-3']);
  }, 90_000);

  it('honours a label constraint', async () => {
    const id = await submit(cluster.api, {
      Type: 'batch',
      Constraints: [{ Key: 'zone', Operator: '=', Values: ['b'] }],
      Tasks: [noop()],
    });
    await waitForJobState(cluster.api, id, ['Completed']);
    expect((await executions(id)).map((e) => e.NodeID)).toEqual(['node-2']);
  }, 90_000);

  it('queues a job nothing can run, then fails it at its queue timeout, naming each node', async () => {
    const id = await submit(cluster.api, {
      Type: 'batch',
      Constraints: [{ Key: 'zone', Operator: '=', Values: ['z'] }],
      Tasks: [{ ...noop(), Timeouts: { QueueTimeout: 2 } }],
    });
    const view = await waitForJobState(cluster.api, id, ['Failed']);
    const history = await getJson<{ History: Array<{ Comment: string }> }>(
      `${cluster.api}/api/v1/orchestrator/jobs/${id}/history?event_type=job`,
    );
    expect(history.History.some((h) => h.Comment.startsWith('Job queued: waiting: no node satisfies'))).toBe(
      true,
    );
    expect(view.Job.State.Message).toMatch(
      /^queue timeout: no node satisfies the constraints \(3 nodes checked\)/,
    );
    for (const node of ['node-1', 'node-2', 'node-3']) expect(view.Job.State.Message).toContain(node);
  }, 90_000);

  it('retries a failing run on other nodes after a backoff, then fails naming each attempt', async () => {
    const id = await submit(cluster.api, { Type: 'batch', Tasks: [noop({ Error: 'boom' })] });
    const view = await waitForJobState(cluster.api, id, ['Failed'], 60_000);
    expect(view.Job.State.Message).toMatch(/^execution failed after 3 attempts: .*boom/);
    const list = await executions(id);
    expect(list.map((e) => e.ComputeState.StateType)).toEqual([8, 8, 8]);
    // Each retry went to another node, and links to the attempt it follows.
    expect(new Set(list.map((e) => e.NodeID)).size).toBe(3);
    expect(list.filter((e) => e.PreviousExecution !== '')).toHaveLength(2);
  }, 90_000);

  it('stops a running job: its execution is told to stop', async () => {
    const id = await submit(cluster.api, { Type: 'batch', Tasks: [noop({ Delay: '5m' })] });
    await waitFor(async () => (await executions(id)).some((e) => e.ComputeState.StateType === 5), {
      timeoutMs: 30_000,
      message: 'the long job never started',
    });
    const runningOn = async (count: number) => {
      const [e] = await executions(id);
      const { Node } = await getJson<{ Node: NodeState }>(
        `${cluster.api}/api/v1/orchestrator/nodes/${e?.NodeID}`,
      );
      return Node.Info.ComputeNodeInfo?.RunningExecutions === count;
    };
    await waitFor(() => runningOn(1), { timeoutMs: 30_000, message: 'the agent never counted the run' });
    const res = await fetch(`${cluster.api}/api/v1/orchestrator/jobs/${id}?reason=e2e`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    await waitForJobState(cluster.api, id, ['Stopped']);
    await waitFor(async () => (await executions(id)).every((e) => e.DesiredState.StateType === 2), {
      timeoutMs: 30_000,
      message: 'the execution was never told to stop',
    });
    // The agent got the CancelExecution: its heartbeats stop counting the 5-minute run.
    await waitFor(() => runningOn(0), {
      timeoutMs: 30_000,
      message: 'the agent kept running the stopped job',
    });
  }, 90_000);

  it('reschedules the work of an agent killed mid-run after the disconnect timeout', async () => {
    const id = await submit(cluster.api, {
      Type: 'batch',
      Tasks: [noop({ Delay: '8s', Stdout: 'survived' })],
    });
    const running = await waitFor(
      async () => (await executions(id)).find((e) => e.ComputeState.StateType === 5),
      { timeoutMs: 30_000, message: 'the job never started' },
    );
    const victim = cluster.agents.get(running.NodeID);
    victim?.child.kill('SIGKILL');
    await waitForJobState(cluster.api, id, ['Completed'], 90_000);
    const list = await executions(id);
    const done = list.find((e) => e.ComputeState.StateType === 7);
    expect(done?.NodeID).not.toBe(running.NodeID);
    expect(done?.RunOutput?.stdout).toBe('survived');
    expect(list.find((e) => e.ID === running.ID)?.ComputeState.StateType).toBe(8);
  }, 120_000);

  it('loses nothing when the orchestrator restarts mid-job: the job still completes', async () => {
    const id = await submit(cluster.api, {
      Type: 'batch',
      Count: 2,
      Tasks: [noop({ Delay: '3s', Stdout: 'kept' })],
    });
    await waitFor(
      async () => (await executions(id)).filter((e) => e.ComputeState.StateType === 5).length === 2,
      {
        timeoutMs: 30_000,
        message: 'the job never started on two nodes',
      },
    );
    await cluster.restartOrchestrator();
    await waitForJobState(cluster.api, id, ['Completed'], 90_000);
    const list = await executions(id);
    expect(list).toHaveLength(2);
    for (const e of list) expect(e.RunOutput?.stdout).toBe('kept');
  }, 120_000);

  it('places a queued job as soon as a node it fits joins, and reaches the new node with a daemon', async () => {
    const daemon = await submit(cluster.api, { Type: 'daemon', Tasks: [noop({ Delay: '10m' })] });
    const connected = async () =>
      (await getJson<{ Nodes: NodeState[] }>(`${cluster.api}/api/v1/orchestrator/nodes`)).Nodes.filter(
        (n) => n.Connection === 'CONNECTED',
      ).length;
    const before = await connected();
    const live = async () => (await executions(daemon)).filter((e) => e.ComputeState.StateType === 5);
    await waitFor(async () => (await live()).length === before, {
      message: 'the daemon never ran everywhere',
    });

    // Nothing has zone=q yet: the job waits Queued with a queue timeout far beyond this test.
    const queued = await submit(cluster.api, {
      Type: 'batch',
      Constraints: [{ Key: 'zone', Operator: '=', Values: ['q'] }],
      Tasks: [{ ...noop({ Stdout: 'found q' }), Timeouts: { QueueTimeout: 3600 } }],
    });
    await waitForJobState(cluster.api, queued, ['Queued'], 30_000);

    await cluster.startAgent('node-q', 'q');
    await waitForJobState(cluster.api, queued, ['Completed'], 30_000);
    expect((await executions(queued)).map((e) => [e.NodeID, e.RunOutput?.stdout])).toEqual([
      ['node-q', 'found q'],
    ]);
    await waitFor(async () => (await live()).some((e) => e.NodeID === 'node-q'), {
      timeoutMs: 30_000,
      message: 'the daemon never reached the new node',
    });
    const stopped = await fetch(`${cluster.api}/api/v1/orchestrator/jobs/${daemon}`, { method: 'DELETE' });
    expect(stopped.status).toBe(200);
  }, 120_000);
});
