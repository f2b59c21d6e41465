import { ComputeStateType as C, JobStateType as J, ExecutionOutcome as O } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { makeJob, makeNode, SEC } from './testing/fixtures.js';
import { Scenario } from './testing/scenario.js';

const service = makeJob({ type: 'service', Count: 2 });
const settings = { retryBackoff: { baseNanos: 5n * SEC, maxNanos: 5n * SEC }, maxAttempts: 2 };
const cluster = [makeNode({ id: 'n-1' }), makeNode({ id: 'n-2' }), makeNode({ id: 'n-3' })];

function running(): Scenario {
  const sc = new Scenario({ job: service, nodes: cluster, settings });
  sc.step();
  sc.bid(0, true).bid(1, true).step();
  sc.report(0, C.BidAccepted).report(1, C.BidAccepted);
  sc.step();
  return sc;
}

describe('service', () => {
  it('places Count partitions with a bid round, like batch', () => {
    const sc = running();
    expect(sc.job.State.StateType).toBe(J.Running);
    expect(sc.executions.map((e) => e.partition)).toEqual([0, 1]);
  });

  it('replaces an execution that completed, at once, and never completes itself', () => {
    const sc = running();
    sc.report(0, C.Completed, '', O.Completed).report(1, C.Completed, '', O.Completed);
    const plan = sc.step();
    expect(plan.jobState).toBeUndefined();
    expect(plan.newExecutions.map((n) => [n.partition, n.previousExecutionId])).toEqual([
      [0, sc.exec(0).ID],
      [1, sc.exec(1).ID],
    ]);
  });

  it('replaces a failed execution after the backoff, on another node', () => {
    const sc = running();
    sc.report(0, C.Failed, 'crash', O.Failed);
    expect(sc.step().newExecutions).toEqual([]);
    const plan = sc.after(5n * SEC).step();
    expect(plan.newExecutions).toEqual([
      expect.objectContaining({ partition: 0, comment: expect.stringMatching(/\(attempt 2 of 2\)$/) }),
    ]);
    expect(plan.newExecutions[0]?.nodeId).not.toBe(sc.exec(0).NodeID);
  });

  it('counts only the failures since the last completed run', () => {
    const sc = running();
    sc.report(0, C.Failed, 'crash', O.Failed); // attempt 1 of 2
    sc.after(5n * SEC).step();
    sc.bid(2, true).step();
    sc.report(2, C.BidAccepted).report(2, C.Completed, '', O.Completed); // healthy again
    sc.step();
    sc.bid(3, true).step();
    sc.report(3, C.BidAccepted).report(3, C.Failed, 'crash', O.Failed); // attempt 1 of 2 again
    const plan = sc.step();
    expect(plan.jobState).toBeUndefined();
    expect(plan.followUp?.comment).toBe('retry partition 0 (attempt 2 of 2)');
  });

  it('fails when a partition exhausts its attempts', () => {
    const sc = running();
    sc.report(0, C.Failed, 'crash 1', O.Failed);
    sc.after(5n * SEC).step();
    sc.bid(2, true).step();
    sc.report(2, C.BidAccepted).report(2, C.Failed, 'crash 2', O.Failed);
    const plan = sc.step();
    expect(plan.jobState?.StateType).toBe(J.Failed);
    expect(plan.jobState?.Message).toMatch(
      /^partition 0 failed after 2 attempts: node n-\d: crash 1; node n-\d: crash 2$/,
    );
  });

  it('restarts a task that exited non-zero (it counts as an attempt), on another node after the backoff', () => {
    const sc = running();
    const node = sc.exec(0).NodeID;
    sc.report(0, C.Failed, 'exit code 1', O.TaskFailed);
    const waiting = sc.step();
    expect(waiting.jobState).toBeUndefined();
    expect(waiting.newExecutions).toEqual([]);
    expect(waiting.followUp?.comment).toBe('retry partition 0 (attempt 2 of 2)');
    const plan = sc.after(5n * SEC).step();
    expect(plan.newExecutions).toEqual([
      expect.objectContaining({ partition: 0, previousExecutionId: sc.exec(0).ID }),
    ]);
    expect(plan.newExecutions[0]?.nodeId).not.toBe(node);
  });

  it('fails once a task keeps exiting non-zero, after maxAttempts', () => {
    const sc = running();
    sc.report(0, C.Failed, 'exit code 1', O.TaskFailed);
    sc.after(5n * SEC).step();
    sc.bid(2, true).step();
    sc.report(2, C.BidAccepted).report(2, C.Failed, 'exit code 2', O.TaskFailed);
    const plan = sc.step();
    expect(plan.jobState?.Message).toBe(
      `partition 0 failed after 2 attempts: node ${sc.exec(0).NodeID}: exit code 1; node ${sc.exec(2).NodeID}: exit code 2`,
    );
    expect(plan.newExecutions).toEqual([]);
    expect(plan.executionUpdates).toEqual([
      expect.objectContaining({ executionId: sc.exec(1).ID, send: 'CancelExecution' }),
    ]);
  });
});
