import {
  ComputeStateType as C,
  DesiredStateType as D,
  JobStateType as J,
  ExecutionOutcome as O,
} from '@shoal/models';
import { makeExecution, makeJob, makeNode, SEC, T0 } from './fixtures.js';
import { Scenario } from './scenario.js';

/** Snapshots in which the scheduler has something to do, for the idempotence tests. */

const nodes = (...ids: string[]) => ids.map((id) => makeNode({ id }));
const settings = { retryBackoff: { baseNanos: 5n * SEC, maxNanos: 60n * SEC }, bidsPerPartition: 1 };

/** Each builds a snapshot in which the scheduler has something to do. */
export const situations: Array<[string, () => Scenario]> = [
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
  [
    'a batch task that exited non-zero',
    () => {
      const sc = new Scenario({ job: makeJob({ Count: 2 }), nodes: nodes('n-1', 'n-2'), settings });
      sc.step();
      sc.bid(0, true).bid(1, true).step();
      return sc.report(0, C.BidAccepted).report(0, C.Failed, 'exit code 3', O.TaskFailed);
    },
  ],
  [
    'a service task that exited non-zero, its restart due',
    () => {
      const sc = new Scenario({ job: makeJob({ type: 'service' }), nodes: nodes('n-1', 'n-2'), settings });
      sc.step();
      sc.bid(0, true).step();
      return sc
        .report(0, C.BidAccepted)
        .report(0, C.Failed, 'exit code 1', O.TaskFailed)
        .after(5n * SEC);
    },
  ],
  [
    'the only node refused for lack of room',
    () => {
      const sc = new Scenario({ nodes: nodes('n-1'), settings });
      sc.step();
      return sc.bid(0, false, 'no room', O.Busy);
    },
  ],
  [
    'a disconnected node whose grace has ended',
    () => {
      const sc = new Scenario({ nodes: nodes('n-1', 'n-2'), settings });
      sc.step();
      sc.bid(0, true).step();
      return sc.disconnect(sc.exec(0).NodeID, T0 + 30n * SEC).at(T0 + 30n * SEC);
    },
  ],
  ['a job queued by the default queue timeout', () => new Scenario({ job: makeJob(), nodes: [] })],
];
