import { ComputeStateType as C, JobStateType as J, ExecutionOutcome as O } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { isEmptyPlan } from './schedule.js';
import { makeNode, SEC, T0 } from './testing/fixtures.js';
import { Scenario } from './testing/scenario.js';

const NO_ROOM = 'not enough memory free';
const resting = (node: string) => `node ${node}: had no room for this job when last asked`;

/** Execution #n's node refuses the bid for lack of room (BidResult with OutOfCapacity). */
function refuse(sc: Scenario, n: number): Scenario {
  return sc.bid(n, false, NO_ROOM, O.Busy);
}

describe('busy: a node that refused a bid for lack of room', () => {
  it('does not use an attempt: the node rests, then is asked again, as often as it takes', () => {
    // One attempt only: a refusal that counted would fail the job at once.
    const sc = new Scenario({ nodes: [makeNode({ id: 'n-1' })], settings: { maxAttempts: 1 } });
    sc.step();
    for (let round = 0; round < 3; round++) {
      refuse(sc.after(SEC), round);
      const refusedAt = sc.now;
      const waiting = sc.step();
      expect(waiting.newExecutions).toEqual([]);
      expect(sc.job.State.StateType).toBe(J.Queued);
      // The default rest is 5 s, from the refusal (its ModifyTime), so re-evaluating does not move it.
      const followUp = { waitUntil: refusedAt + 5n * SEC, trigger: 'retry', comment: 'ask node n-1 again' };
      expect(waiting.followUp).toEqual(followUp);
      expect(sc.after(5n * SEC - 1n).plan().followUp).toEqual(followUp);
      const again = sc.after(1n).step();
      expect(again.newExecutions).toEqual([
        expect.objectContaining({ nodeId: 'n-1', comment: 'Requested execution on n-1' }),
      ]);
      expect(again.newExecutions[0]?.previousExecutionId).toBeUndefined();
    }
    expect(sc.executions).toHaveLength(4);
  });

  it('queues the job while every node rests, saying why, and wakes when the first rest ends', () => {
    const sc = new Scenario({
      nodes: [makeNode({ id: 'n-1' }), makeNode({ id: 'n-2' })],
      settings: { busyRetryNanos: 10n * SEC },
    });
    sc.step();
    const first = sc.exec(0).NodeID;
    const second = first === 'n-1' ? 'n-2' : 'n-1';
    refuse(sc.at(T0 + SEC), 0);
    // Not an attempt, so no backoff either: the other node is asked in the same evaluation.
    expect(sc.step().newExecutions).toEqual([
      expect.objectContaining({ nodeId: second, comment: `Requested execution on ${second}` }),
    ]);
    refuse(sc.at(T0 + 3n * SEC), 1);
    const plan = sc.step();
    const reason = `no node fits (2 nodes checked): ${resting('n-1')}; ${resting('n-2')}`;
    expect(plan.jobState).toEqual({
      StateType: J.Queued,
      Message: reason,
      Comment: `Job queued: waiting: ${reason}`,
    });
    expect(plan.followUp).toEqual({
      waitUntil: T0 + 11n * SEC,
      trigger: 'retry',
      comment: `ask node ${first} again`,
    });
    expect(isEmptyPlan(sc.at(T0 + 11n * SEC - 1n).plan())).toBe(true);
    const again = sc.at(T0 + 11n * SEC).step();
    expect(again.newExecutions.map((n) => n.nodeId)).toEqual([first]);
    expect(again.jobState).toMatchObject({ StateType: J.Pending });
  });

  it('leaves the attempt count to real failures', () => {
    const sc = new Scenario({
      nodes: [makeNode({ id: 'n-1' }), makeNode({ id: 'n-2' }), makeNode({ id: 'n-3' })],
      settings: { retryBackoff: { baseNanos: SEC, maxNanos: SEC } },
    });
    sc.step();
    refuse(sc, 0).step();
    sc.bid(1, true).step();
    sc.report(1, C.BidAccepted).report(1, C.Failed, 'runtime error', O.Failed);
    sc.step();
    const retry = sc.after(SEC).step();
    expect(retry.newExecutions).toEqual([
      expect.objectContaining({
        previousExecutionId: sc.exec(1).ID,
        comment: expect.stringMatching(/\(attempt 2 of 3\)$/),
      }),
    ]);
  });
});
