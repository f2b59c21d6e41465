import { ComputeStateType as C, DesiredStateType as D, JobStateType as J } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { isEmptyPlan, schedule } from './schedule.js';
import { applyPlan } from './testing/apply-plan.js';
import { makeExecution, makeJob, makeNode, SEC, T0 } from './testing/fixtures.js';
import { Scenario } from './testing/scenario.js';

const nodes = (...ids: string[]) => ids.map((id) => makeNode({ id }));
const settings = { retryBackoff: { baseNanos: 5n * SEC, maxNanos: 60n * SEC }, bidsPerPartition: 1 };

/** Each builds a snapshot in which the scheduler has something to do. */
const situations: Array<[string, () => Scenario]> = [
  ['a new batch job', () => new Scenario({ job: makeJob({ Count: 3 }), nodes: nodes('n-1', 'n-2', 'n-3') })],
  [
    'accepted bids to accept',
    () => {
      const sc = new Scenario({ job: makeJob({ Count: 2 }), nodes: nodes('n-1', 'n-2'), settings });
      sc.step();
      return sc.bid(0, true).bid(1, true);
    },
  ],
  [
    'several bids per partition, answered in a mix',
    () => {
      const sc = new Scenario({ nodes: nodes('n-1', 'n-2', 'n-3'), settings: { bidsPerPartition: 3 } });
      sc.step();
      return sc.bid(0, false).bid(1, true).bid(2, true);
    },
  ],
  [
    'a failure whose retry is due',
    () => {
      const sc = new Scenario({ nodes: nodes('n-1', 'n-2'), settings });
      sc.step();
      sc.bid(0, true).step();
      return sc
        .report(0, C.BidAccepted)
        .report(0, C.Failed, 'boom')
        .after(5n * SEC);
    },
  ],
  [
    'a lost node',
    () => {
      const sc = new Scenario({ job: makeJob({ Count: 2 }), nodes: nodes('n-1', 'n-2', 'n-3'), settings });
      sc.step();
      sc.bid(0, true).bid(1, true).step();
      return sc.patchNode(sc.exec(0).NodeID, { Connection: 'DISCONNECTED' });
    },
  ],
  [
    'a silent agent past its timeout',
    () =>
      new Scenario(
        {
          job: makeJob({
            State: { StateType: J.Running, Message: '' },
            task: { Timeouts: { ExecutionTimeout: 10 } },
          }),
          nodes: nodes('n-1', 'n-2'),
          executions: [makeExecution({ id: 'e-1', node: 'n-1', desired: D.Running, compute: C.BidAccepted })],
          settings,
        },
        T0 + 3600n * SEC,
      ),
  ],
  [
    'a job to queue',
    () => new Scenario({ job: makeJob({ task: { Timeouts: { QueueTimeout: 60 } } }), nodes: [] }),
  ],
  [
    'a queue timeout',
    () =>
      new Scenario({ job: makeJob({ task: { Timeouts: { QueueTimeout: 60 } } }), nodes: [] }, T0 + 61n * SEC),
  ],
  [
    'a stopped job with live executions, one on a lost node',
    () => {
      const sc = new Scenario({ job: makeJob({ Count: 2 }), nodes: nodes('n-1', 'n-2'), settings });
      sc.step();
      sc.bid(0, true).step();
      return sc.patchNode(sc.exec(1).NodeID, { Connection: 'DISCONNECTED' }).stopJob('user asked');
    },
  ],
  ['a new ops job', () => new Scenario({ job: makeJob({ type: 'ops' }), nodes: nodes('n-1', 'n-2') })],
  [
    'an ops job with a failure',
    () => {
      const sc = new Scenario({ job: makeJob({ type: 'ops' }), nodes: nodes('n-1', 'n-2') });
      sc.step();
      return sc.report(0, C.AskForBid).report(0, C.Failed, 'exit 1');
    },
  ],
  [
    'a daemon and a node that joins',
    () => {
      const sc = new Scenario({ job: makeJob({ type: 'daemon' }), nodes: nodes('n-1') });
      sc.step();
      return sc.setNode(makeNode({ id: 'n-2' }));
    },
  ],
  [
    'a service whose run completed',
    () => {
      const sc = new Scenario({ job: makeJob({ type: 'service' }), nodes: nodes('n-1'), settings });
      sc.step();
      sc.bid(0, true).step();
      return sc.report(0, C.BidAccepted).report(0, C.Completed);
    },
  ],
  [
    'a batch job whose last partition completed',
    () => {
      const sc = new Scenario({ job: makeJob({ Count: 2 }), nodes: nodes('n-1', 'n-2'), settings });
      sc.step();
      sc.bid(0, true).bid(1, true).step();
      return sc.report(0, C.BidAccepted).report(0, C.Completed).report(1, C.Completed);
    },
  ],
];

describe('idempotence: scheduling the result of a plan changes nothing more', () => {
  it.each(situations)('%s', (_name, build) => {
    const sc = build();
    const first = schedule(sc.snapshot, sc.now);
    expect(isEmptyPlan(first)).toBe(false);
    const applied = applyPlan(sc.snapshot, first, sc.now);
    const second = schedule(applied, sc.now);
    expect(second.jobState).toBeUndefined();
    expect(second.newExecutions).toEqual([]);
    expect(second.executionUpdates).toEqual([]);
    // The follow-up is proposed again, identically, so the applier can dedupe it.
    expect(second.followUp).toEqual(first.followUp);
  });

  it.each(situations)('%s: the same snapshot always gives the same plan', (_name, build) => {
    const sc = build();
    expect(schedule(sc.snapshot, sc.now)).toEqual(schedule(structuredClone(sc.snapshot), sc.now));
  });

  it('does not depend on the order the store listed nodes and executions in', () => {
    const sc = situations[4]?.[1]() ?? new Scenario();
    const reversed = {
      ...sc.snapshot,
      nodes: [...sc.snapshot.nodes].reverse(),
      executions: [...sc.snapshot.executions].reverse(),
    };
    expect(schedule(reversed, sc.now)).toEqual(schedule(sc.snapshot, sc.now));
  });
});
