import { JobStateType as J } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { GB, makeJob, makeNode } from './testing/fixtures.js';
import { Scenario } from './testing/scenario.js';

/** Placement on nodes that let work wait for room (ComputeNodeInfo.QueueCapacity). */

const waitsUpTo = (count: number) => makeJob({ Count: count, task: { Timeouts: { QueueTimeout: 60 } } });
const perNode = (nodeIds: readonly string[]) => {
  const counts = new Map<string, number>();
  for (const id of nodeIds) counts.set(id, (counts.get(id) ?? 0) + 1);
  return Object.fromEntries([...counts].sort());
};

describe('placement on a node with a queue', () => {
  it('places up to max × overcommit + queue, then queues the job', () => {
    // 2 CPUs × 1.5 run 3 one-CPU partitions at once; a queue of 2 CPUs (and memory) holds 2 more.
    const node = makeNode({ id: 'n-1', cpu: 2, memory: 4 * GB, queue: { CPU: 2, Memory: 4 * GB } });
    const sc = new Scenario({ job: waitsUpTo(6), nodes: [node] });
    const plan = sc.step();
    expect(plan.newExecutions).toHaveLength(5);
    expect(plan.jobState?.StateType).toBe(J.Queued);
    expect(plan.jobState?.Message).toBe(
      'partition 5: no node with 1 CPU free (1 node checked): node n-1: not enough CPU (needs 1, 0 free)',
    );
  });

  it('fills what every node can run at once before it makes work wait in a queue', () => {
    const queued = makeNode({ id: 'n-queue', cpu: 2, memory: 4 * GB, queue: { CPU: 4, Memory: 8 * GB } });
    const plain = makeNode({ id: 'n-plain', cpu: 2, memory: 4 * GB });
    // Both run 3 at once (2 CPUs × 1.5): the first 6 partitions start; the last 2 wait on n-queue.
    const first = new Scenario({ job: waitsUpTo(6), nodes: [queued, plain] }).step();
    expect(perNode(first.newExecutions.map((n) => n.nodeId))).toEqual({ 'n-plain': 3, 'n-queue': 3 });
    const more = new Scenario({ job: waitsUpTo(8), nodes: [queued, plain] }).step();
    expect(perNode(more.newExecutions.map((n) => n.nodeId))).toEqual({ 'n-plain': 3, 'n-queue': 5 });
    expect(more.jobState?.StateType).not.toBe(J.Queued);
  });
});
