import type { NodeState } from '@shoal/models';
import { describeWithServices, waitFor } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';
import { getJson, submit, waitForJobState } from './cluster.js';

/**
 * `--node-approval manual`: a node that joined with the token is known and connected, but PENDING,
 * and gets no work until `shoal node approve`.
 */
describeWithServices(['nats'], 'manual node approval', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster({
      orchestrator: { nodeApproval: 'manual' },
      agents: [{ name: 'waiting', labels: {} }],
    });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  const node = async () =>
    (await getJson<{ Node: NodeState }>(`${cluster.api}/api/v1/orchestrator/nodes/waiting`)).Node;

  it('keeps a joined node pending, without work, until an operator approves it', async () => {
    expect((await node()).Membership).toBe('PENDING');
    const id = await submit(cluster.api, {
      Type: 'batch',
      Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: { Stdout: 'approved' } } }],
    });
    await waitFor(
      async () => {
        const view = await getJson<{ Job: { State: { Message: string } } }>(
          `${cluster.api}/api/v1/orchestrator/jobs/${id}`,
        );
        return /no node|not enough/i.test(view.Job.State.Message) ? view : undefined;
      },
      { message: 'the job to say it waits for a node' },
    );
    const approved = await cluster.cli(['node', 'approve', 'waiting']);
    expect(approved.code).toBe(0);
    expect((await node()).Membership).toBe('APPROVED');
    await waitForJobState(cluster.api, id, ['Completed']);
  });
});
