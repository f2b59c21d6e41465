import { ComputeStateType as C, EvaluationTrigger, JobStateType as J } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { isEmptyPlan } from './schedule.js';
import { GB, makeJob, makeNode, SEC, T0 } from './testing/fixtures.js';
import { Scenario } from './testing/scenario.js';

const wasm = { Engine: { Type: 'wasm', Params: {} } };
const queued = (seconds: number, extra = {}) =>
  makeJob({ task: { ...extra, Timeouts: { QueueTimeout: seconds } } });
/** No queue timeout on the job and none by default: nothing to wait for. */
const noQueue = { defaultQueueTimeoutSeconds: 0 };

describe('not enough nodes, QueueTimeout 0 and no default queue timeout: the job fails at once', () => {
  it.each([
    ['no nodes at all', [], 'no nodes are connected'],
    [
      'only disconnected nodes',
      [makeNode({ id: 'n-1', connection: 'DISCONNECTED' })],
      'no nodes are connected (1 node checked): node n-1: disconnected',
    ],
    [
      'each node says why',
      [
        makeNode({ id: 'n-1', labels: { zone: 'b' } }),
        makeNode({ id: 'n-2', labels: { zone: 'a' }, memory: GB / 2 }),
      ],
      'no node fits (2 nodes checked): node n-1: label zone=b does not satisfy zone in (a); node n-2: memory request exceeds what the node allows per job (needs 1 GB, at most 500 MB)',
    ],
  ])('%s', (_name, nodes, message) => {
    const job = makeJob({ Constraints: [{ Key: 'zone', Operator: 'in', Values: ['a'] }] });
    const plan = new Scenario({ job, nodes, settings: noQueue }).plan();
    expect(plan.jobState).toEqual({
      StateType: J.Failed,
      Message: message,
      Comment: `Job failed: ${message}`,
    });
    expect(plan.newExecutions).toEqual([]);
    expect(plan.followUp).toBeUndefined();
  });

  it('places nothing when only some partitions fit (the job fails as a whole)', () => {
    const sc = new Scenario({
      job: makeJob({ Count: 3 }),
      nodes: [makeNode({ id: 'n-1', cpu: 1, memory: GB })],
      settings: noQueue,
    });
    const plan = sc.plan();
    expect(plan.jobState?.StateType).toBe(J.Failed);
    expect(plan.jobState?.Message).toMatch(
      /^partition 1: no node with 1 CPU and 1 GB memory free \(1 node checked\): node n-1: not enough CPU/,
    );
    expect(plan.newExecutions).toEqual([]);
  });
});

describe('not enough nodes, QueueTimeout > 0: the job waits in the queue', () => {
  it('is Queued with the reason, and a follow-up at CreateTime + QueueTimeout', () => {
    const sc = new Scenario({ job: queued(300, wasm), nodes: [makeNode({ id: 'n-1' })] }, T0 + 5n * SEC);
    const plan = sc.step();
    expect(plan.jobState).toEqual({
      StateType: J.Queued,
      Message: 'no node supports engine wasm (1 node checked): node n-1: does not support engine wasm',
      Comment:
        'Job queued: waiting: no node supports engine wasm (1 node checked): node n-1: does not support engine wasm',
    });
    expect(plan.followUp).toEqual({
      waitUntil: T0 + 300n * SEC,
      trigger: 'queue-timeout',
      comment: 'queue timeout of 300s',
    });
    // Re-evaluated before the deadline with nothing new: no churn, the same follow-up.
    const again = sc.after(60n * SEC).plan();
    expect(isEmptyPlan(again)).toBe(true);
    expect(again.followUp?.waitUntil).toBe(T0 + 300n * SEC);
  });

  it('fails with "queue timeout" when re-evaluated at the deadline with still nothing placed', () => {
    const sc = new Scenario({
      job: queued(300, wasm),
      nodes: [makeNode({ id: 'n-1' })],
      trigger: EvaluationTrigger.QueueTimeout,
    });
    sc.step();
    const plan = sc.at(T0 + 300n * SEC).step();
    expect(plan.jobState).toMatchObject({
      StateType: J.Failed,
      Message:
        'queue timeout: no node supports engine wasm (1 node checked): node n-1: does not support engine wasm',
    });
    expect(plan.followUp).toBeUndefined();
  });

  it('leaves the queue when a node that fits joins: Queued → Pending → Running', () => {
    const sc = new Scenario({ job: queued(300), nodes: [] });
    expect(sc.step().jobState?.StateType).toBe(J.Queued);
    sc.setNode(makeNode({ id: 'n-1' })).after(10n * SEC);
    const placed = sc.step();
    expect(placed.newExecutions).toHaveLength(1);
    expect(placed.jobState).toMatchObject({
      StateType: J.Pending,
      Comment: 'Job no longer queued: execution requested on n-1',
    });
    sc.bid(0, true);
    expect(sc.step().jobState?.StateType).toBe(J.Running);
  });

  it('places the partitions that fit and queues the rest', () => {
    const sc = new Scenario({
      job: makeJob({ Count: 2, task: { Timeouts: { QueueTimeout: 60 } } }),
      nodes: [makeNode({ id: 'n-1', cpu: 1, memory: GB })],
    });
    const plan = sc.step();
    expect(plan.newExecutions.map((n) => n.partition)).toEqual([0]);
    expect(plan.jobState?.StateType).toBe(J.Queued);
    expect(plan.jobState?.Message).toMatch(/^partition 1: no node with 1 CPU and 1 GB memory free \(1 node /);
  });

  it('a Running job that loses its only node goes back to Queued', () => {
    const sc = new Scenario({
      job: queued(3600),
      nodes: [makeNode({ id: 'n-1' })],
      settings: { retryBackoff: { baseNanos: SEC, maxNanos: SEC } },
    });
    sc.step();
    sc.bid(0, true).step();
    sc.report(0, C.BidAccepted);
    expect(sc.step().jobState).toBeUndefined(); // already Running
    sc.patchNode('n-1', { Connection: 'DISCONNECTED' });
    sc.step(); // lost: failed server-side, retry after the backoff
    const plan = sc.after(SEC).step();
    expect(plan.jobState).toMatchObject({
      StateType: J.Queued,
      Message: 'no nodes are connected (1 node checked): node n-1: disconnected',
    });
  });
});
