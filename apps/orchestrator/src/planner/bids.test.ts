import { ComputeStateType as C, DesiredStateType as D, JobStateType as J } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { isLive } from './executions.js';
import { BID_REJECTED_PLACED } from './messages.js';
import { isEmptyPlan } from './schedule.js';
import { makeExecution, makeJob, makeNode } from './testing/fixtures.js';
import { Scenario } from './testing/scenario.js';

const nodes = (...ids: string[]) => ids.map((id) => makeNode({ id }));

describe('batch: bids', () => {
  it('with one ask, takes the node accepting as the start: no approval round', () => {
    const sc = new Scenario({ nodes: nodes('n-1', 'n-2') });
    expect(sc.step().newExecutions).toMatchObject([{ desiredState: D.Running }]);
    sc.report(0, C.AskForBid).report(0, C.BidAccepted);
    const plan = sc.step();
    expect(plan.executionUpdates).toEqual([]);
    expect(plan.newExecutions).toEqual([]);
    expect(plan.jobState).toMatchObject({ StateType: J.Running });
  });

  it('with several asks, accepts an accepted bid (desired Running, BidAccepted) and the job goes Running', () => {
    // One node can only be asked once, so the partition has one offer, still judged in a round.
    const sc = new Scenario({ nodes: nodes('n-1'), settings: { bidsPerPartition: 2 } });
    sc.step();
    sc.report(0, C.AskForBid);
    expect(isEmptyPlan(sc.plan())).toBe(true); // asked, not answered: nothing to do
    sc.report(0, C.AskForBidAccepted);
    const plan = sc.step();
    expect(plan.executionUpdates).toEqual([
      {
        executionId: sc.exec(0).ID,
        expectedRevision: 3,
        desiredState: { StateType: D.Running, Message: 'bid accepted' },
        comment: 'bid accepted from n-1 for partition 0',
        send: 'BidAccepted',
      },
    ]);
    expect(plan.jobState).toMatchObject({
      StateType: J.Running,
      Comment: 'Job running: bid accepted on n-1',
    });
  });

  it('asks several nodes when configured, accepts the first bid and rejects the rest', () => {
    const sc = new Scenario({ nodes: nodes('n-1', 'n-2', 'n-3'), settings: { bidsPerPartition: 3 } });
    expect(sc.step().newExecutions).toHaveLength(3);
    sc.bid(1, true).bid(2, true);
    const plan = sc.step();
    const byId = new Map(plan.executionUpdates.map((u) => [u.executionId, u]));
    expect(byId.get(sc.exec(1).ID)?.send).toBe('BidAccepted');
    for (const loser of [sc.exec(0), sc.exec(2)]) {
      expect(byId.get(loser.ID)).toMatchObject({
        desiredState: { StateType: D.Stopped, Message: BID_REJECTED_PLACED },
        comment: BID_REJECTED_PLACED,
        send: 'BidRejected',
      });
    }
  });

  it('rejects a late extra accepted bid for a partition that is already placed', () => {
    const sc = new Scenario({
      nodes: nodes('n-1', 'n-2'),
      executions: [
        makeExecution({ id: 'e-1', node: 'n-1', desired: D.Running, compute: C.BidAccepted }),
        makeExecution({ id: 'e-2', node: 'n-2', desired: D.Pending, compute: C.AskForBidAccepted }),
      ],
      job: makeJob({ State: { StateType: J.Running, Message: '' } }),
    });
    const plan = sc.step();
    expect(plan.executionUpdates).toEqual([
      expect.objectContaining({
        executionId: 'e-2',
        desiredState: { StateType: D.Stopped, Message: BID_REJECTED_PLACED },
      }),
    ]);
  });

  it('never has two live executions for one partition', () => {
    const sc = new Scenario({ job: makeJob({ Count: 2 }), nodes: nodes('n-1', 'n-2', 'n-3') });
    sc.step();
    sc.step();
    sc.bid(0, true).step();
    for (const p of [0, 1])
      expect(sc.executions.filter((e) => e.partition === p && isLive(e))).toHaveLength(1);
  });

  it('takes an execution that started without approval instead of starting a second one', () => {
    const sc = new Scenario({
      nodes: nodes('n-1'),
      executions: [makeExecution({ id: 'e-1', node: 'n-1', desired: D.Pending, compute: C.BidAccepted })],
    });
    const plan = sc.step();
    expect(plan.newExecutions).toEqual([]);
    expect(plan.executionUpdates[0]).toMatchObject({ executionId: 'e-1', send: 'BidAccepted' });
  });
});
