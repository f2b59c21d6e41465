import { ComputeStateType as C, DesiredStateType as D, JobStateType as J } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { NODE_LOST } from './messages.js';
import { isEmptyPlan } from './schedule.js';
import { makeExecution, makeJob, makeNode, SEC, T0 } from './testing/fixtures.js';
import { Scenario } from './testing/scenario.js';

const stoppedJob = makeJob({ Count: 3, State: { StateType: J.Stopped, Message: 'user asked' }, Revision: 4 });

describe('stopping a job', () => {
  it('stops every live execution with the reason, and places nothing', () => {
    const sc = new Scenario({
      job: stoppedJob,
      nodes: [makeNode({ id: 'n-1' }), makeNode({ id: 'n-2' })],
      executions: [
        makeExecution({ id: 'e-run', node: 'n-1', partition: 0, desired: D.Running, compute: C.BidAccepted }),
        makeExecution({ id: 'e-ask', node: 'n-2', partition: 1, desired: D.Pending, compute: C.AskForBid }),
        makeExecution({
          id: 'e-bid',
          node: 'n-2',
          partition: 2,
          desired: D.Pending,
          compute: C.AskForBidAccepted,
        }),
        makeExecution({ id: 'e-done', node: 'n-1', partition: 1, desired: D.Running, compute: C.Completed }),
      ],
    });
    const plan = sc.step();
    expect(plan.jobState).toBeUndefined(); // the stop handler already moved the job
    expect(plan.newExecutions).toEqual([]);
    const stop = (executionId: string, send: string) => ({
      executionId,
      expectedRevision: 1,
      desiredState: { StateType: D.Stopped, Message: 'job stopped: user asked' },
      comment: 'job stopped: user asked',
      send,
    });
    // Oldest first, then by id: the order is stable whatever order the store listed them in.
    expect(plan.executionUpdates).toEqual([
      stop('e-ask', 'BidRejected'),
      stop('e-bid', 'BidRejected'),
      stop('e-run', 'CancelExecution'),
    ]);
    expect(isEmptyPlan(sc.plan())).toBe(true);
  });

  it('cancels server-side what runs on a lost node (the agent is told when it returns)', () => {
    const sc = new Scenario({
      job: stoppedJob,
      nodes: [makeNode({ id: 'n-1', connection: 'DISCONNECTED' })],
      executions: [
        makeExecution({ id: 'e-1', node: 'n-1', desired: D.Running, compute: C.BidAccepted }),
        makeExecution({ id: 'e-2', node: 'n-1', partition: 1, desired: D.Stopped, compute: C.BidAccepted }),
      ],
    });
    expect(sc.step().executionUpdates).toEqual([
      {
        executionId: 'e-1',
        expectedRevision: 1,
        computeState: { StateType: C.Cancelled, Message: NODE_LOST },
        outcome: 'stopped',
        desiredState: { StateType: D.Stopped, Message: 'job stopped: user asked' },
        comment: `${NODE_LOST}; job stopped: user asked`,
        send: 'CancelExecution',
      },
      {
        executionId: 'e-2',
        expectedRevision: 1,
        computeState: { StateType: C.Cancelled, Message: NODE_LOST },
        outcome: 'stopped',
        comment: `${NODE_LOST}; job stopped: user asked`,
      },
    ]);
    expect(isEmptyPlan(sc.plan())).toBe(true);
  });

  it('a stop in the middle of a retry backoff places nothing more', () => {
    const sc = new Scenario({ nodes: [makeNode({ id: 'n-1' }), makeNode({ id: 'n-2' })] });
    sc.step();
    sc.bid(0, true).step();
    sc.report(0, C.BidAccepted).report(0, C.Failed, 'boom');
    expect(sc.step().followUp?.trigger).toBe('retry');
    sc.stopJob('enough').after(3600n * SEC);
    const plan = sc.step();
    expect(plan).toEqual({
      jobRevision: sc.job.Revision,
      newExecutions: [],
      executionUpdates: [],
      notes: [],
    });
  });
});

describe('terminal jobs', () => {
  it.each([J.Completed, J.Failed, J.Stopped])(
    '%s with nothing live: the plan is empty, whatever happens',
    (state) => {
      const sc = new Scenario(
        {
          job: makeJob({
            State: { StateType: state, Message: 'done' },
            task: { Timeouts: { TotalTimeout: 10, QueueTimeout: 5 } },
          }),
          nodes: [makeNode({ id: 'n-1' })],
          executions: [makeExecution({ id: 'e-1', node: 'n-1', desired: D.Running, compute: C.Failed })],
        },
        T0 + 10_000n * SEC,
      );
      expect(sc.plan()).toEqual({ jobRevision: 1, newExecutions: [], executionUpdates: [], notes: [] });
    },
  );

  it('a job that fails stops its other executions in the same plan', () => {
    const sc = new Scenario({
      job: makeJob({ type: 'ops', State: { StateType: J.Running, Message: '' } }),
      nodes: [makeNode({ id: 'n-1' }), makeNode({ id: 'n-2' })],
      executions: [
        makeExecution({ id: 'e-1', node: 'n-1', desired: D.Running, compute: C.Failed, message: 'exit 3' }),
        makeExecution({ id: 'e-2', node: 'n-2', desired: D.Running, compute: C.BidAccepted }),
      ],
    });
    const plan = sc.step();
    expect(plan.jobState?.StateType).toBe(J.Failed);
    expect(plan.executionUpdates).toEqual([
      expect.objectContaining({
        executionId: 'e-2',
        comment: 'job failed: execution on node n-1 failed: exit 3',
        send: 'CancelExecution',
      }),
    ]);
  });
});
