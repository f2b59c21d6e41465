import { ComputeStateType as C, DesiredStateType as D, JobStateType as J } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { NODE_LOST } from './messages.js';
import { makeExecution, makeJob, makeNode, SEC } from './testing/fixtures.js';
import { Scenario } from './testing/scenario.js';

const running = makeJob({ State: { StateType: J.Running, Message: '' } });
const backoff = { baseNanos: 5n * SEC, maxNanos: 5n * SEC };

describe('lost node', () => {
  it.each([
    ['a running execution', D.Running, C.BidAccepted, 'CancelExecution'],
    ['an accepted bid', D.Running, C.AskForBidAccepted, 'CancelExecution'],
    ['an unanswered ask', D.Pending, C.AskForBid, 'BidRejected'],
    ['an ask not yet sent', D.Pending, C.New, 'BidRejected'],
  ])('%s on a DISCONNECTED node is failed server-side and stopped', (_name, desired, compute, send) => {
    const sc = new Scenario({
      job: running,
      nodes: [makeNode({ id: 'n-1', connection: 'DISCONNECTED' }), makeNode({ id: 'n-2' })],
      executions: [makeExecution({ id: 'e-1', node: 'n-1', desired, compute, revision: 4 })],
      settings: { retryBackoff: backoff },
    });
    const plan = sc.step();
    expect(plan.executionUpdates).toEqual([
      {
        executionId: 'e-1',
        expectedRevision: 4,
        computeState: { StateType: C.Failed, Message: NODE_LOST },
        outcome: 'lost',
        desiredState: { StateType: D.Stopped, Message: NODE_LOST },
        comment: NODE_LOST,
        send,
      },
    ]);
    // Rescheduled elsewhere after the backoff; it used up an attempt.
    expect(plan.followUp?.trigger).toBe('retry');
    const retry = sc.after(5n * SEC).step();
    expect(retry.newExecutions).toEqual([
      expect.objectContaining({
        nodeId: 'n-2',
        previousExecutionId: 'e-1',
        comment: 'Requested execution on n-2 (attempt 2 of 3)',
      }),
    ]);
  });

  it('treats a node deleted from the registry as lost', () => {
    const sc = new Scenario({
      job: running,
      nodes: [],
      executions: [makeExecution({ id: 'e-1', node: 'n-gone', desired: D.Running, compute: C.BidAccepted })],
      settings: { retryBackoff: backoff },
    });
    const [update] = sc.step().executionUpdates;
    expect(update?.computeState).toEqual({ StateType: C.Failed, Message: NODE_LOST });
    expect(update?.outcome).toBe('lost');
  });

  it('cancels (not fails) an execution that was already being stopped', () => {
    const sc = new Scenario({
      job: running,
      nodes: [makeNode({ id: 'n-1', connection: 'DISCONNECTED' }), makeNode({ id: 'n-2' })],
      executions: [
        makeExecution({ id: 'e-1', node: 'n-2', desired: D.Running, compute: C.BidAccepted }),
        makeExecution({ id: 'e-2', node: 'n-1', desired: D.Stopped, compute: C.AskForBidAccepted }),
      ],
    });
    expect(sc.step().executionUpdates).toEqual([
      {
        executionId: 'e-2',
        expectedRevision: 1,
        computeState: { StateType: C.Cancelled, Message: NODE_LOST },
        outcome: 'stopped',
        comment: NODE_LOST,
      },
    ]);
  });

  it('leaves executions on unhealthy or unapproved nodes alone: only a lost node loses them', () => {
    const sc = new Scenario({
      job: { ...running, Count: 2 },
      nodes: [makeNode({ id: 'n-1', healthy: false }), makeNode({ id: 'n-2', membership: 'REJECTED' })],
      executions: [
        makeExecution({ id: 'e-1', node: 'n-1', partition: 0, desired: D.Running, compute: C.BidAccepted }),
        makeExecution({ id: 'e-2', node: 'n-2', partition: 1, desired: D.Running, compute: C.BidAccepted }),
      ],
    });
    expect(sc.step().executionUpdates).toEqual([]);
  });

  it('a node that comes back cannot revive its lost execution: the late report is dropped', () => {
    const sc = new Scenario({
      job: running,
      nodes: [makeNode({ id: 'n-1', connection: 'DISCONNECTED' }), makeNode({ id: 'n-2' })],
      executions: [makeExecution({ id: 'e-1', node: 'n-1', desired: D.Running, compute: C.BidAccepted })],
      settings: { retryBackoff: backoff },
    });
    sc.step();
    sc.after(5n * SEC).step();
    sc.patchNode('n-1', { Connection: 'CONNECTED' });
    expect(sc.tryReport(0, C.Completed)).toBe(false);
    expect(sc.step().newExecutions).toEqual([]);
  });
});
