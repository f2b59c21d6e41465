import { type Execution, isoToNanos, type JobHistory, type NodeState } from '@shoal/models';
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
 * End to end, one orchestrator and one agent process: the agent offers 1 CPU (1.5 at the default
 * overcommit: three 500m tasks at once) and a queue of as much again (two more). Work beyond what
 * runs waits on the node and starts the moment a run ends; beyond the queue, jobs wait Queued in
 * the orchestrator. A waiting run's timeout counts from its start, not from its placement.
 */
describeWithServices(['postgres', 'nats'], 'work that waits on the node', () => {
  let db: TestDatabase;
  let nats: Awaited<ReturnType<typeof startNatsServer>>;
  let cluster: Cluster;
  const api = (path: string) => `${cluster.api}/api/v1/orchestrator${path}`;
  const executions = async (id: string) =>
    (await getJson<{ Executions: Execution[] }>(api(`/jobs/${id}/executions`))).Executions;
  const history = async (id: string) =>
    (await getJson<{ History: JobHistory[] }>(api(`/jobs/${id}/history`))).History;

  beforeAll(async () => {
    db = await createTestDatabase({ prefix: 'shoal_e2e_queue' });
    nats = await startNatsServer();
    cluster = await startCluster({
      natsUrl: nats.url,
      dbUrl: db.url,
      agents: 1,
      agentArgs: ['--cpu', '1', '--queue-factor', '1'],
    });
    await waitFor(
      async () => {
        const { Nodes } = await getJson<{ Nodes: NodeState[] }>(api('/nodes'));
        return Nodes.some((n) => n.Connection === 'CONNECTED');
      },
      { timeoutMs: 60_000, message: 'the agent never connected' },
    );
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await nats?.stop();
    await db?.drop();
  });

  it('advertises its queue', async () => {
    const node = await getJson<{ Node: NodeState }>(api('/nodes/node-1'));
    expect(node.Node.Info.ComputeNodeInfo?.QueueCapacity?.CPU).toBe(1);
  });

  it('runs three, holds two waiting on the node and queues the rest, then drains them all', async () => {
    const job = (delay: string, timeouts: Record<string, number> = {}) => ({
      Type: 'batch',
      Tasks: [
        {
          Name: 'main',
          Engine: { Type: 'noop', Params: { Stdout: 'ok', Delay: delay } },
          Timeouts: { QueueTimeout: 600, ...timeouts },
        },
      ],
    });
    const running = [];
    for (let i = 0; i < 3; i++) running.push(await submit(cluster.api, job('3s')));
    // Waits about 3 s for room, then runs 1.5 s: within its 2 s timeout only if that counts from its start.
    const waiting = await submit(cluster.api, job('1500ms', { ExecutionTimeout: 2 }));
    const waitingToo = await submit(cluster.api, job('10ms'));
    const queued = await submit(cluster.api, job('10ms'));

    const accepted = async (id: string) => (await executions(id))[0]?.ComputeState.StateType === 5;
    await waitFor(async () => (await accepted(waiting)) && (await accepted(waitingToo)), {
      timeoutMs: 20_000,
      message: 'the fourth and fifth jobs accepted by the node',
    });
    const [onNode] = await executions(waiting);
    expect(onNode?.ComputeState).toEqual({
      StateType: 5,
      Message: expect.stringMatching(/^waiting for room/),
    });
    // Beyond both the running room and the queue, the job waits in the orchestrator.
    expect((await waitForJobState(cluster.api, queued, ['Queued'], 20_000)).Job.State.StateType).toBe(
      'Queued',
    );

    for (const id of [...running, waiting, waitingToo, queued]) {
      await waitForJobState(cluster.api, id, ['Completed'], 60_000);
    }
    const events = await history(waiting);
    expect(events.some((h) => h.Comment === 'bid accepted by node: waiting on the node for room')).toBe(true);
    expect(events.some((h) => h.Comment.startsWith('Job running: execution waiting for room on'))).toBe(true);
    const start = events.find((h) =>
      /room freed on the node after \d+\.\d+s: starting the run/.test(h.Comment),
    );
    expect(start).toBeDefined();
    // It waited for a running job's end: it started only after one of them had completed.
    // Nanosecond times as numbers: a few hundred nanoseconds of rounding do not matter here.
    const ends = await Promise.all(running.map(async (id) => Number((await executions(id))[0]?.ModifyTime)));
    expect(Number(isoToNanos(start?.Time ?? ''))).toBeGreaterThanOrEqual(Math.min(...ends));
  }, 120_000);
});
