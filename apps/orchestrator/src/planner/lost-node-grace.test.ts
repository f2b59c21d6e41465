import {
  ComputeStateType as C,
  DesiredStateType as D,
  JobStateType as J,
  ExecutionOutcome as O,
} from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { NODE_LOST } from './messages.js';
import { isEmptyPlan } from './schedule.js';
import { makeExecution, makeJob, makeNode, SEC, T0 } from './testing/fixtures.js';
import { Scenario } from './testing/scenario.js';

const running = makeJob({ State: { StateType: J.Running, Message: '' } });
const settings = { retryBackoff: { baseNanos: 5n * SEC, maxNanos: 5n * SEC } };
const lostAt = T0 + 60n * SEC;

/** e-1 runs on n-1, which went silent and is in its grace period until `lostAt`. */
function inGrace(desired: D = D.Running): Scenario {
  return new Scenario(
    {
      job: running,
      nodes: [makeNode({ id: 'n-1', connection: 'DISCONNECTED', lostAt }), makeNode({ id: 'n-2' })],
      executions: [makeExecution({ id: 'e-1', node: 'n-1', desired, compute: C.BidAccepted })],
      settings,
    },
    T0 + 10n * SEC,
  );
}

describe('a disconnected node within its grace period (lostAt)', () => {
  it('keeps its running execution, places nothing else, and wakes the job at lostAt', () => {
    const sc = inGrace();
    const plan = sc.step();
    expect(isEmptyPlan(plan)).toBe(true);
    expect(plan.followUp).toEqual({
      waitUntil: lostAt,
      trigger: 'retry',
      comment: 'node n-1 is disconnected: give up on it if it has not returned',
    });
    expect(sc.after(49n * SEC).plan()).toEqual(plan); // still inside: the same plan
  });

  it('at lostAt fails it server-side as lost, and retries it elsewhere as an attempt', () => {
    const sc = inGrace().at(lostAt);
    const plan = sc.step();
    expect(plan.executionUpdates).toEqual([
      {
        executionId: 'e-1',
        expectedRevision: 1,
        computeState: { StateType: C.Failed, Message: NODE_LOST },
        outcome: 'lost',
        desiredState: { StateType: D.Stopped, Message: NODE_LOST },
        comment: NODE_LOST,
        send: 'CancelExecution',
      },
    ]);
    expect(plan.followUp).toMatchObject({ waitUntil: lostAt + 5n * SEC, trigger: 'retry' });
    expect(sc.executions[0]?.outcome).toBe('lost');
    const retry = sc.at(lostAt + 5n * SEC).step();
    expect(retry.newExecutions).toEqual([
      expect.objectContaining({
        nodeId: 'n-2',
        previousExecutionId: 'e-1',
        comment: 'Requested execution on n-2 (attempt 2 of 3)',
      }),
    ]);
  });

  it('lets a node that returns in time carry on as if nothing happened', () => {
    const sc = inGrace();
    sc.step();
    sc.reconnect('n-1').after(20n * SEC);
    const plan = sc.step();
    expect(isEmptyPlan(plan)).toBe(true);
    expect(plan.followUp).toBeUndefined();
    sc.report(0, C.Completed, '', O.Completed);
    expect(sc.after(3600n * SEC).step().jobState?.StateType).toBe(J.Completed);
  });

  it('keeps an execution already being stopped, and cancels it (stopped, not lost) at lostAt', () => {
    const sc = inGrace(D.Stopped);
    expect(isEmptyPlan(sc.step())).toBe(true);
    const plan = sc.at(lostAt).step();
    expect(plan.executionUpdates).toEqual([
      {
        executionId: 'e-1',
        expectedRevision: 1,
        computeState: { StateType: C.Cancelled, Message: NODE_LOST },
        outcome: 'stopped',
        comment: NODE_LOST,
      },
    ]);
  });

  it('a stopped job tells the execution to stop, and leaves it to the node until lostAt', () => {
    const sc = inGrace().stopJob('user asked');
    expect(sc.step().executionUpdates).toEqual([
      {
        executionId: 'e-1',
        expectedRevision: 1,
        desiredState: { StateType: D.Stopped, Message: 'job stopped: user asked' },
        comment: 'job stopped: user asked',
        send: 'CancelExecution',
      },
    ]);
    expect(sc.at(lostAt).step().executionUpdates).toEqual([
      expect.objectContaining({
        executionId: 'e-1',
        computeState: { StateType: C.Cancelled, Message: NODE_LOST },
      }),
    ]);
  });

  it('a node deleted from the registry has no grace: its execution is lost at once', () => {
    const sc = inGrace().removeNode('n-1');
    expect(sc.step().executionUpdates).toEqual([
      expect.objectContaining({ executionId: 'e-1', outcome: 'lost' }),
    ]);
  });
});
