import { ComputeStateType as C, DesiredStateType as D, JobStateType as J } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { isEmptyPlan } from './schedule.js';
import { GB, makeExecution, makeJob, makeNode } from './testing/fixtures.js';
import { Scenario } from './testing/scenario.js';

const nodes = (...ids: string[]) => ids.map((id) => makeNode({ id }));

describe('batch: placing partitions', () => {
  it('asks one node per partition to start at once (desired Running), with the allocation', () => {
    const sc = new Scenario({ job: makeJob({ Count: 3 }), nodes: nodes('n-1', 'n-2', 'n-3') });
    const plan = sc.step();
    expect(plan.newExecutions.map((n) => n.partition)).toEqual([0, 1, 2]);
    for (const n of plan.newExecutions) {
      expect(n).toMatchObject({
        desiredState: D.Running,
        computeState: C.New,
        allocated: { CPU: 1, Memory: GB },
      });
      expect(n.comment).toBe(`Requested execution on ${n.nodeId}`);
    }
    expect(plan.jobState).toBeUndefined(); // nothing runs yet: still Pending
  });

  it('spreads partitions over equal nodes, counting what the plan already placed', () => {
    const sc = new Scenario({ job: makeJob({ Count: 3 }), nodes: nodes('n-1', 'n-2', 'n-3') });
    expect(new Set(sc.step().newExecutions.map((n) => n.nodeId)).size).toBe(3);
  });

  it('stacks partitions on one node while capacity (with oversubscription) allows', () => {
    const small = makeNode({ id: 'n-1', cpu: 2, memory: 2 * GB });
    const sc = new Scenario({
      job: makeJob({ Count: 3, task: { Timeouts: { QueueTimeout: 60 } } }),
      nodes: [small],
    });
    const plan = sc.step();
    expect(plan.newExecutions).toHaveLength(3); // 3 × 1 CPU ≤ 1.5 × 2 CPUs
    const sc4 = new Scenario({
      job: makeJob({ Count: 4, task: { Timeouts: { QueueTimeout: 60 } } }),
      nodes: [small],
    });
    const plan4 = sc4.step();
    expect(plan4.newExecutions).toHaveLength(3);
    expect(plan4.jobState?.Message).toBe(
      'partition 3: no node with 1 CPU and 1 GB memory free (1 node checked): node n-1: not enough CPU (needs 1, 0 free), not enough memory (needs 1 GB, 0 B free)',
    );
  });
});

describe('batch: completion', () => {
  it('completes when every partition completed, exactly Count', () => {
    const sc = new Scenario({ job: makeJob({ Count: 2 }), nodes: nodes('n-1', 'n-2') });
    sc.step();
    sc.bid(0, true).bid(1, true).step();
    sc.report(0, C.BidAccepted);
    sc.report(0, C.Completed);
    expect(sc.step().jobState).toBeUndefined(); // one of two
    sc.report(1, C.Completed); // a fast task may skip the running report
    expect(sc.step().jobState).toMatchObject({
      StateType: J.Completed,
      Message: '',
      Comment: 'Job completed: 2 of 2 partitions completed',
    });
    expect(isEmptyPlan(sc.plan())).toBe(true);
  });

  it('does not count a partition twice when two of its executions completed', () => {
    const sc = new Scenario({
      job: makeJob({ Count: 2, State: { StateType: J.Running, Message: '' } }),
      nodes: nodes('n-1', 'n-2'),
      executions: [
        makeExecution({ id: 'e-1', node: 'n-1', partition: 0, desired: D.Running, compute: C.Completed }),
        makeExecution({ id: 'e-2', node: 'n-2', partition: 0, desired: D.Stopped, compute: C.Completed }),
        makeExecution({ id: 'e-3', node: 'n-2', partition: 1, desired: D.Running, compute: C.BidAccepted }),
      ],
    });
    expect(sc.step().jobState).toBeUndefined();
  });

  it('stops an execution of a partition that another execution already completed', () => {
    const sc = new Scenario({
      job: makeJob({ Count: 2, State: { StateType: J.Running, Message: '' } }),
      nodes: nodes('n-1', 'n-2'),
      executions: [
        makeExecution({ id: 'e-1', node: 'n-1', partition: 0, desired: D.Running, compute: C.Completed }),
        makeExecution({
          id: 'e-2',
          node: 'n-2',
          partition: 0,
          desired: D.Pending,
          compute: C.AskForBidAccepted,
        }),
        makeExecution({ id: 'e-3', node: 'n-2', partition: 1, desired: D.Running, compute: C.BidAccepted }),
      ],
    });
    expect(sc.step().executionUpdates).toEqual([
      expect.objectContaining({
        executionId: 'e-2',
        comment: 'partition already completed',
        send: 'BidRejected',
      }),
    ]);
  });

  it('stops live executions of partitions beyond Count', () => {
    const sc = new Scenario({
      nodes: nodes('n-1'),
      executions: [
        makeExecution({ id: 'e-9', node: 'n-1', partition: 5, desired: D.Running, compute: C.BidAccepted }),
      ],
    });
    const plan = sc.step();
    expect(plan.executionUpdates[0]).toMatchObject({
      executionId: 'e-9',
      comment: 'partition 5 is out of range (Count 1)',
      send: 'CancelExecution',
    });
    expect(plan.newExecutions).toHaveLength(1);
  });
});
