import { ComputeStateType as C, ExecutionOutcome, JobStateType as J } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { isEmptyPlan } from './schedule.js';
import { makeJob, makeNode, SEC } from './testing/fixtures.js';
import { Scenario } from './testing/scenario.js';

const backoff = { baseNanos: 10n * SEC, maxNanos: 25n * SEC };
const cluster = (n: number) => Array.from({ length: n }, (_, i) => makeNode({ id: `n-${i + 1}` }));

/** Places, accepts and runs execution #n, then its node fails to run it (outcome `failed`) with `error`. */
function runAndFail(sc: Scenario, n: number, error: string): void {
  sc.bid(n, true).step();
  sc.report(n, C.BidAccepted).report(n, C.Failed, error, ExecutionOutcome.Failed);
}

describe('retries', () => {
  it('retries a failed execution on ANOTHER node, after the backoff, linked to the failure', () => {
    const sc = new Scenario({ nodes: cluster(2), settings: { retryBackoff: backoff } });
    sc.step();
    const first = sc.exec(0).NodeID;
    runAndFail(sc, 0, 'runtime error 1');
    const waiting = sc.step();
    expect(waiting.newExecutions).toEqual([]);
    expect(waiting.followUp).toEqual({
      waitUntil: sc.now + 10n * SEC,
      trigger: 'retry',
      comment: 'retry execution (attempt 2 of 3)',
    });
    sc.after(10n * SEC);
    const retry = sc.step();
    expect(retry.newExecutions).toEqual([
      expect.objectContaining({
        partition: 0,
        previousExecutionId: sc.exec(0).ID,
        comment: expect.stringMatching(/^Requested execution on n-\d \(attempt 2 of 3\)$/),
      }),
    ]);
    expect(retry.newExecutions[0]?.nodeId).not.toBe(first);
  });

  it('spaces attempts by base·2^(attempt−1), capped, measured from each failure', () => {
    const sc = new Scenario({ nodes: cluster(5), settings: { retryBackoff: backoff, maxAttempts: 5 } });
    sc.step();
    const gaps: bigint[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      runAndFail(sc, attempt, `boom ${attempt}`);
      const failedAt = sc.now;
      const plan = sc.step();
      const due = plan.followUp?.waitUntil ?? 0n;
      gaps.push(due - failedAt);
      sc.after(due - failedAt - 1n);
      expect(sc.step().newExecutions).toEqual([]); // 1 ns early: still waiting, same follow-up
      expect(sc.plans.at(-1)?.followUp?.waitUntil).toBe(due);
      sc.after(1n);
      expect(sc.step().newExecutions).toHaveLength(1);
    }
    expect(gaps).toEqual([10n * SEC, 20n * SEC, 25n * SEC, 25n * SEC]);
  });

  it('fails the job once attempts are exhausted, naming the last errors', () => {
    const sc = new Scenario({ nodes: cluster(3), settings: { retryBackoff: backoff } });
    sc.step();
    for (let attempt = 0; attempt < 3; attempt++) {
      runAndFail(sc, attempt, `runtime error ${attempt + 1}`);
      sc.after(60n * SEC).step();
    }
    const failed = sc.plans.at(-1);
    const nodesTried = sc.executions.map((e) => e.NodeID);
    expect(new Set(nodesTried).size).toBe(3);
    expect(failed?.jobState).toEqual({
      StateType: J.Failed,
      Message: `execution failed after 3 attempts: node ${nodesTried[0]}: runtime error 1; node ${nodesTried[1]}: runtime error 2; node ${nodesTried[2]}: runtime error 3`,
      Comment: expect.stringMatching(/^Job failed: execution failed after 3 attempts: /),
    });
    expect(isEmptyPlan(sc.plan())).toBe(true);
    expect(sc.executions).toHaveLength(3);
  });

  it('counts a rejected bid as an attempt and does not ask that node again', () => {
    const sc = new Scenario({ nodes: cluster(2), settings: { retryBackoff: backoff } });
    sc.step();
    const refused = sc.exec(0).NodeID;
    sc.bid(0, false, 'engine docker is disabled', ExecutionOutcome.Rejected);
    sc.step();
    sc.after(10n * SEC);
    const retry = sc.step();
    expect(retry.newExecutions[0]?.nodeId).not.toBe(refused);
    expect(retry.newExecutions[0]?.comment).toMatch(/\(attempt 2 of 3\)$/);
  });

  it('gives up on a partition with no other node to go to (waiting would not help), saying why', () => {
    const settings = { retryBackoff: backoff };
    const sc = new Scenario({ nodes: cluster(1), settings });
    sc.step();
    runAndFail(sc, 0, 'runtime error 2');
    sc.after(10n * SEC);
    expect(sc.step().jobState).toMatchObject({
      StateType: J.Failed,
      Message: 'execution failed after 1 attempt: node n-1: runtime error 2',
    });
  });

  it('retries each partition of a multi-partition job independently', () => {
    const sc = new Scenario({
      job: makeJob({ Count: 2 }),
      nodes: cluster(3),
      settings: { retryBackoff: backoff },
    });
    sc.step();
    sc.bid(1, true).step();
    sc.report(1, C.BidAccepted).report(1, C.Failed, 'oom', ExecutionOutcome.Failed);
    sc.after(10n * SEC);
    const retry = sc.step();
    expect(retry.newExecutions.map((n) => n.partition)).toEqual([1]);
    expect(sc.executions.filter((e) => e.partition === 0)).toHaveLength(1);
  });

  it('names the partition when a multi-partition job runs out of attempts', () => {
    const sc = new Scenario({ job: makeJob({ Count: 2 }), nodes: cluster(2), settings: { maxAttempts: 1 } });
    sc.step();
    runAndFail(sc, 1, 'segfault');
    const plan = sc.step();
    expect(plan.jobState?.Message).toBe(
      `partition 1 failed after 1 attempt: node ${sc.exec(1).NodeID}: segfault`,
    );
    // The job is over: the other partition, asked to start at once, is cancelled.
    expect(plan.executionUpdates).toEqual([
      expect.objectContaining({
        executionId: sc.exec(0).ID,
        send: 'CancelExecution',
        comment: expect.stringMatching(/^job failed: partition 1/),
      }),
    ]);
  });
});
