import {
  ComputeStateType as C,
  DesiredStateType as D,
  JobStateType as J,
  ExecutionOutcome as O,
} from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { isEmptyPlan } from './schedule.js';
import { makeExecution, makeJob, makeNode, SEC } from './testing/fixtures.js';
import { Scenario } from './testing/scenario.js';

const cluster = (n: number) => Array.from({ length: n }, (_, i) => makeNode({ id: `n-${i + 1}` }));
const settings = { retryBackoff: { baseNanos: SEC, maxNanos: SEC }, maxAttempts: 3 };
const running = { State: { StateType: J.Running, Message: '' } };

/** Execution #n is accepted, runs, and its task exits non-zero: the report handler's `task-failed`. */
function runAndExit(sc: Scenario, n: number, code: number): void {
  sc.bid(n, true).step();
  sc.report(n, C.BidAccepted).report(n, C.Failed, `exit code ${code}`, O.TaskFailed);
}

describe('batch: a task that failed is the job’s answer', () => {
  it('fails the job at once, naming the node and the error, with no retry', () => {
    const sc = new Scenario({ nodes: cluster(3), settings });
    sc.step();
    const node = sc.exec(0).NodeID;
    runAndExit(sc, 0, 3);
    const plan = sc.step();
    expect(plan.jobState).toEqual({
      StateType: J.Failed,
      Message: `execution failed on node ${node}: exit code 3`,
      Comment: `Job failed: execution failed on node ${node}: exit code 3`,
    });
    expect(plan.newExecutions).toEqual([]);
    expect(plan.followUp).toBeUndefined();
    // Attempts were left and two nodes were free: still nothing more, now or later.
    expect(isEmptyPlan(sc.after(3600n * SEC).step())).toBe(true);
    expect(sc.executions).toHaveLength(1);
  });

  it('names the partition, and stops the other partitions', () => {
    const sc = new Scenario({ job: makeJob({ Count: 3 }), nodes: cluster(3), settings });
    sc.step();
    sc.bid(0, true).bid(2, true).step();
    sc.report(0, C.BidAccepted).report(2, C.BidAccepted);
    sc.report(2, C.Failed, 'exit code 1', O.TaskFailed);
    const plan = sc.step();
    expect(plan.jobState?.Message).toBe(`partition 2 failed on node ${sc.exec(2).NodeID}: exit code 1`);
    expect(plan.newExecutions).toEqual([]);
    const reason = `job failed: partition 2 failed on node ${sc.exec(2).NodeID}: exit code 1`;
    expect(plan.executionUpdates).toEqual([
      expect.objectContaining({ executionId: sc.exec(0).ID, comment: reason, send: 'CancelExecution' }),
      expect.objectContaining({ executionId: sc.exec(1).ID, comment: reason, send: 'CancelExecution' }),
    ]);
  });

  it('is told apart from a failure of the node (outcome failed), which is retried', () => {
    const sc = new Scenario({ nodes: cluster(2), settings });
    sc.step();
    sc.bid(0, true).step();
    sc.report(0, C.BidAccepted).report(0, C.Failed, 'image pull failed', O.Failed);
    expect(sc.step().jobState).toBeUndefined();
    expect(sc.after(SEC).step().newExecutions).toHaveLength(1);
  });

  it('reads the outcome its writer recorded, and rows without one as before', () => {
    const exec = (outcome?: O) =>
      makeExecution({
        id: 'e-1',
        node: 'n-1',
        desired: D.Running,
        compute: C.Failed,
        message: 'exit code 3',
        ...(outcome ? { outcome } : {}),
      });
    const scenario = (outcome?: O) =>
      new Scenario({ job: makeJob(running), nodes: cluster(2), executions: [exec(outcome)], settings });
    // A legacy row: a failed run, retried on another node after the backoff.
    const legacy = scenario()
      .at(exec().ModifyTime + SEC)
      .step();
    expect(legacy.jobState).toBeUndefined();
    expect(legacy.newExecutions).toEqual([
      expect.objectContaining({ nodeId: 'n-2', comment: 'Requested execution on n-2 (attempt 2 of 3)' }),
    ]);
    expect(scenario(O.TaskFailed).step().jobState?.StateType).toBe(J.Failed);
  });

  it('a run that ended after we asked it to stop is not the job’s answer', () => {
    const sc = new Scenario({ nodes: cluster(2), settings: { ...settings, bidsPerPartition: 2 } });
    sc.step();
    sc.bid(0, true).bid(1, true).step(); // one wins, the other is rejected
    const [loser] = sc.executions.filter((e) => e.DesiredState.StateType === D.Stopped);
    if (!loser) throw new Error('no rejected bid');
    // It had started before the rejection arrived, and exits non-zero: the writer says stopped.
    sc.report(loser, C.Failed, 'exit code 137', O.TaskFailed);
    expect(sc.executions.find((e) => e.ID === loser.ID)?.outcome).toBe('stopped');
    expect(sc.step().jobState).toBeUndefined();
  });
});
