import { decodeJson } from '@shoal/models';
import { describeWithServices } from '@shoal/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';

/** `shoal node …` against a real orchestrator with two connected noop agents. */

describeWithServices(['nats'], 'shoal node', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster({
      agents: [
        { name: 'node-alpha', labels: { zone: 'a', tier: 'gold' } },
        { name: 'node-beta', labels: { zone: 'b' } },
      ],
    });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('lists the connected nodes with their labels and capacity', async () => {
    const run = await cluster.cli(['node', 'list']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TYPE\s+APPROVAL\s+STATUS\s+LABELS\s+CPU\s+MEMORY$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(
        /^node-alpha\s+Compute\s+APPROVED\s+CONNECTED\s+tier=gold, zone=a\s+2 \/ 2\s+4 GiB \/ 4 GiB$/,
      ),
      expect.stringMatching(
        /^node-beta\s+Compute\s+APPROVED\s+CONNECTED\s+zone=b\s+2 \/ 2\s+4 GiB \/ 4 GiB$/,
      ),
    ]);
    const wide = await cluster.cli(['node', 'list', '--wide', '--labels', 'tier=gold']);
    expect(wide.stdout.split('\n')[0]).toMatch(/ENGINES\s+RUNNING\s+VERSION$/);
    expect(wide.stdout).toMatch(/node-alpha.*noop\s+0\s+v\S+\n$/);
    expect(wide.stdout).not.toContain('node-beta');
  });

  it('prints the API’s own objects with --output json', async () => {
    const run = await cluster.cli(['node', 'list', '--filter-status', 'connected', '-o', 'json']);
    const raw = await (
      await fetch(`${cluster.api}/api/v1/orchestrator/nodes?filter-status=CONNECTED`)
    ).text();
    expect(decodeJson(run.stdout)).toEqual(decodeJson(raw));
    const one = await cluster.cli(['node', 'describe', 'node-b', '-o', 'json']);
    expect((decodeJson(one.stdout) as { Node: { Info: { NodeID: string } } }).Node.Info.NodeID).toBe(
      'node-beta',
    );
  });

  it('describes a node by a unique prefix of its id', async () => {
    const run = await cluster.cli(['node', 'describe', 'node-al']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ID\s+= node-alpha$/m);
    expect(run.stdout).toMatch(/^Labels\s+= tier=gold, zone=a$/m);
    expect(run.stdout).toMatch(/^Engines\s+= noop$/m);
    expect(run.stdout).toMatch(/^Memory\s+= 4 GiB \/ 4 GiB$/m);
  });

  it('rejects, approves and deletes a node, each visible in the list', async () => {
    const reject = await cluster.cli(['node', 'reject', 'node-be', '--message', 'maintenance']);
    expect([reject.code, reject.stdout]).toEqual([0, 'Node node-be rejected\n']);
    expect((await cluster.cli(['node', 'list', '--filter-approval', 'rejected'])).stdout).toMatch(
      /node-beta\s+Compute\s+REJECTED/,
    );

    const approve = await cluster.cli(['node', 'approve', 'node-beta']);
    expect(approve.code).toBe(0);
    expect((await cluster.cli(['node', 'describe', 'node-beta'])).stdout).toMatch(/^Approval\s+= APPROVED$/m);
  });

  it('an unknown or ambiguous node is one line and exit 2; a bad filter is a usage error', async () => {
    const missing = await cluster.cli(['node', 'describe', 'n-00000000']);
    expect([missing.code, missing.stderr]).toEqual([2, 'Error: node not found: n-00000000\n']);
    const ambiguous = await cluster.cli(['node', 'approve', 'node-']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(ambiguous.stderr).toMatch(/node-alpha.*node-beta|ambiguous/i);
    const filter = await cluster.cli(['node', 'list', '--filter-status', 'asleep']);
    expect(filter.code).toBe(2);
    expect(filter.stderr).toMatch(/argument 'asleep' is invalid/);
  });

  it('deletes a node', async () => {
    // Last: the agent is still connected, so the orchestrator may learn of it again later.
    const run = await cluster.cli(['node', 'delete', 'node-beta']);
    expect([run.code, run.stdout]).toEqual([0, 'Node node-beta deleted\n']);
  });
});
