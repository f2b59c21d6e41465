import {
  ComputeStateType as C,
  DesiredStateType as D,
  EvaluationTrigger,
  JobStateType as J,
  ExecutionOutcome as O,
} from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { isEmptyPlan } from './schedule.js';
import { makeJob, makeNode, SEC } from './testing/fixtures.js';
import { Scenario } from './testing/scenario.js';

const daemon = makeJob({ type: 'daemon', Constraints: [{ Key: 'zone', Operator: 'exists' }] });
const settings = { retryBackoff: { baseNanos: 5n * SEC, maxNanos: 5n * SEC } };
const zoned = (id: string) => makeNode({ id, labels: { zone: 'a' } });

describe('daemon', () => {
  it('starts one execution on every matching node, at once', () => {
    const sc = new Scenario({ job: daemon, nodes: [zoned('n-1'), zoned('n-2'), makeNode({ id: 'n-3' })] });
    const plan = sc.step();
    expect(plan.newExecutions.map((n) => [n.nodeId, n.desiredState])).toEqual([
      ['n-1', D.Running],
      ['n-2', D.Running],
    ]);
    expect(isEmptyPlan(sc.plan())).toBe(true);
  });

  it('gives a node that joins later its own execution on the node-update evaluation', () => {
    const sc = new Scenario({ job: daemon, nodes: [zoned('n-1')] });
    sc.step();
    sc.setNode(zoned('n-2'));
    sc.snapshot = {
      ...sc.snapshot,
      evaluation: { ID: 'eval-2', TriggeredBy: EvaluationTrigger.NodeUpdate, Comment: 'n-2 joined' },
    };
    expect(sc.step().newExecutions.map((n) => n.nodeId)).toEqual(['n-2']);
  });

  it('never completes, and goes Running when an execution runs', () => {
    const sc = new Scenario({ job: daemon, nodes: [zoned('n-1')] });
    sc.step();
    sc.report(0, C.AskForBid).report(0, C.BidAccepted);
    expect(sc.step().jobState?.StateType).toBe(J.Running);
    sc.report(0, C.Completed);
    const plan = sc.step();
    expect(plan.jobState).toBeUndefined();
    expect(plan.newExecutions).toEqual([
      expect.objectContaining({
        nodeId: 'n-1',
        comment: expect.stringMatching(/^Requested execution on n-1 \(replacing /),
      }),
    ]);
  });

  it('waits Queued, never Failed, when no node matches', () => {
    const plan = new Scenario({ job: daemon, nodes: [makeNode({ id: 'n-1' })] }).plan();
    expect(plan.jobState).toMatchObject({
      StateType: J.Queued,
      Message: 'no node satisfies the constraints (1 node checked): node n-1: label zone is missing',
    });
    expect(plan.followUp).toBeUndefined();
  });

  it('restarts on the same node after a failure, after the backoff; after two failures, gives up on it', () => {
    const sc = new Scenario({ job: daemon, nodes: [zoned('n-1')], settings });
    sc.step();
    sc.report(0, C.AskForBid).report(0, C.BidAccepted).report(0, C.Failed, 'crash', O.Failed);
    expect(sc.step().followUp).toMatchObject({ waitUntil: sc.now + 5n * SEC, trigger: 'retry' });
    expect(
      sc
        .after(5n * SEC)
        .step()
        .newExecutions.map((n) => n.nodeId),
    ).toEqual(['n-1']);
    sc.report(1, C.AskForBid).report(1, C.BidAccepted).report(1, C.Failed, 'crash again', O.Failed);
    const plan = sc.after(60n * SEC).step();
    expect(plan.newExecutions).toEqual([]);
    expect(plan.jobState?.Message).toBe('no node fits (1 node checked): node n-1: failed this job twice');
  });

  it('a node that disappears and comes back gets a new execution at once (not its fault)', () => {
    const sc = new Scenario({ job: daemon, nodes: [zoned('n-1')], settings });
    sc.step();
    sc.report(0, C.AskForBid).report(0, C.BidAccepted);
    sc.patchNode('n-1', { Connection: 'DISCONNECTED' });
    expect(sc.step().executionUpdates[0]?.computeState?.Message).toBe('node has disappeared');
    sc.patchNode('n-1', { Connection: 'CONNECTED' });
    expect(sc.step().newExecutions.map((n) => n.nodeId)).toEqual(['n-1']);
  });

  it('does not ask again a node that refused', () => {
    const sc = new Scenario({ job: daemon, nodes: [zoned('n-1'), zoned('n-2')], settings });
    sc.step();
    sc.report(0, C.AskForBid).report(0, C.AskForBidRejected, 'policy', O.Rejected);
    expect(sc.after(3600n * SEC).step().newExecutions).toEqual([]);
  });
});
