import { ComputeStateType as C, DesiredStateType as D, JobStateType as J } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { isEmptyPlan } from './schedule.js';
import { makeExecution, makeJob, makeNode, SEC, T0 } from './testing/fixtures.js';
import { Scenario } from './testing/scenario.js';

const buffer = 30n * SEC;
const prepare = 120n * SEC;
const settings = {
  executionTimeoutBufferNanos: buffer,
  prepareAllowanceNanos: prepare,
  retryBackoff: { baseNanos: SEC, maxNanos: SEC },
};

function runningFor(
  timeouts: { ExecutionTimeout?: number; TotalTimeout?: number },
  compute: C = C.BidAccepted,
  type: 'batch' | 'service' = 'batch',
  given: typeof settings | Record<string, never> = settings,
) {
  return new Scenario({
    job: makeJob({ type, State: { StateType: J.Running, Message: '' }, task: { Timeouts: timeouts } }),
    nodes: [makeNode({ id: 'n-1' }), makeNode({ id: 'n-2' })],
    executions: [makeExecution({ id: 'e-1', node: 'n-1', desired: D.Running, compute, created: T0 })],
    settings: given,
  });
}

const timedOut = {
  executionId: 'e-1',
  expectedRevision: 1,
  computeState: { StateType: C.Failed, Message: 'execution timed out after 60s' },
  outcome: 'task-failed',
  desiredState: { StateType: D.Stopped, Message: 'execution timed out after 60s' },
  comment: 'execution timed out after 60s (agent silent; failed by the orchestrator)',
  send: 'CancelExecution',
};

describe('execution timeout on a silent agent', () => {
  it('waits until timeout + prepare allowance + buffer, with a follow-up at that instant', () => {
    const sc = runningFor({ ExecutionTimeout: 60 }).at(T0 + 60n * SEC + prepare + buffer - 1n);
    const plan = sc.plan();
    expect(plan.executionUpdates).toEqual([]);
    expect(plan.followUp).toEqual({
      waitUntil: T0 + 210n * SEC,
      trigger: 'retry',
      comment: 'check whether execution e-1 has timed out',
    });
  });

  it('allows 600 s for preparing by default', () => {
    const plan = runningFor({ ExecutionTimeout: 60 }, C.BidAccepted, 'batch', {})
      .at(T0 + 60n * SEC)
      .plan();
    expect(plan.followUp?.waitUntil).toBe(T0 + (60n + 600n + 60n) * SEC);
  });

  it('then fails it server-side as a task failure; a batch job fails with it, no retry', () => {
    const sc = runningFor({ ExecutionTimeout: 60 }).at(T0 + 210n * SEC);
    const plan = sc.step();
    expect(plan.executionUpdates).toEqual([timedOut]);
    expect(plan.jobState).toEqual({
      StateType: J.Failed,
      Message: 'execution failed on node n-1: execution timed out after 60s',
      Comment: 'Job failed: execution failed on node n-1: execution timed out after 60s',
    });
    expect(plan.newExecutions).toEqual([]);
    expect(isEmptyPlan(sc.after(SEC).step())).toBe(true);
  });

  it('restarts a service whose execution timed out elsewhere, as an attempt', () => {
    const sc = runningFor({ ExecutionTimeout: 60 }, C.BidAccepted, 'service').at(T0 + 210n * SEC);
    const plan = sc.step();
    expect(plan.executionUpdates).toEqual([timedOut]);
    expect(plan.jobState).toBeUndefined();
    expect(sc.after(SEC).step().newExecutions).toEqual([
      expect.objectContaining({ nodeId: 'n-2', comment: 'Requested execution on n-2 (attempt 2 of 3)' }),
    ]);
  });

  it('falls back to TotalTimeout when ExecutionTimeout is 0', () => {
    const sc = runningFor({ TotalTimeout: 100 }).at(T0 + 99n * SEC);
    expect(sc.plan().followUp?.waitUntil).toBe(T0 + 100n * SEC); // the job's own deadline is first
  });

  it('has no timeout when both are 0', () => {
    const plan = runningFor({})
      .at(T0 + 1_000_000n * SEC)
      .plan();
    expect(plan.executionUpdates).toEqual([]);
    expect(plan.followUp).toBeUndefined();
  });

  it('only times out running executions (an accepted bid is not running yet)', () => {
    const plan = runningFor({ ExecutionTimeout: 1 }, C.AskForBidAccepted)
      .at(T0 + 1000n * SEC)
      .plan();
    expect(plan.executionUpdates).toEqual([]);
  });
});

describe('execution timeout of a run that waits on its node for room', () => {
  const deadlineAfter = 60n * SEC + prepare + buffer;
  const waiting = () =>
    new Scenario({
      job: makeJob({
        State: { StateType: J.Running, Message: '' },
        task: { Timeouts: { ExecutionTimeout: 60 } },
      }),
      nodes: [makeNode({ id: 'n-1' })],
      executions: [
        makeExecution({ id: 'e-1', node: 'n-1', desired: D.Running, compute: C.BidAccepted, runStart: null }),
      ],
      settings,
    });

  it('is never timed out while it waits, and sets no wake-up for it', () => {
    const plan = waiting()
      .at(T0 + 100n * deadlineAfter)
      .plan();
    expect(plan.executionUpdates).toEqual([]);
    expect(plan.followUp).toBeUndefined();
  });

  it('counts from when it started, not from its creation', () => {
    const sc = waiting()
      .at(T0 + 1000n * SEC)
      .phase(0, 'Started');
    const started = sc.now;
    const before = sc.at(started + deadlineAfter - 1n).plan();
    expect(before.executionUpdates).toEqual([]);
    expect(before.followUp).toEqual({
      waitUntil: started + deadlineAfter,
      trigger: 'retry',
      comment: 'check whether execution e-1 has timed out',
    });
    const due = sc.at(started + deadlineAfter).plan();
    expect(due.executionUpdates).toEqual([{ ...timedOut, expectedRevision: 2 }]);
  });

  it('stops its clock again when the node says it waits (a restart that requeued it)', () => {
    const sc = runningFor({ ExecutionTimeout: 60 })
      .at(T0 + 10n * SEC)
      .phase(0, 'Waiting');
    const plan = sc.at(T0 + 10n * deadlineAfter).plan();
    expect(plan.executionUpdates).toEqual([]);
    expect(plan.followUp).toBeUndefined();
  });

  it('starts its clock when a bid accepted to run is reported, not at the ask', () => {
    const sc = new Scenario({
      job: makeJob({ task: { Timeouts: { ExecutionTimeout: 60 } } }),
      nodes: [makeNode({ id: 'n-1' })],
      settings,
    });
    sc.step();
    sc.after(500n * SEC)
      .report(0, C.AskForBid)
      .report(0, C.BidAccepted);
    expect(sc.exec(0).runStartTime).toBe(T0 + 500n * SEC);
    expect(sc.plan().followUp?.waitUntil).toBe(T0 + 500n * SEC + deadlineAfter);
  });
});

describe('total timeout', () => {
  it('fails the job once TotalTimeout has passed since CreateTime, and stops its executions', () => {
    const sc = runningFor({ TotalTimeout: 100, ExecutionTimeout: 50 }).at(T0 + 100n * SEC);
    const plan = sc.step();
    expect(plan.jobState).toEqual({
      StateType: J.Failed,
      Message: 'job exceeded its total timeout of 100s',
      Comment: 'Job failed: job exceeded its total timeout of 100s',
    });
    // The execution's own deadline (50 + 120 + 30 s) is still ahead: it is only told to stop.
    expect(plan.executionUpdates).toEqual([
      expect.objectContaining({
        executionId: 'e-1',
        desiredState: { StateType: D.Stopped, Message: 'job failed: job exceeded its total timeout of 100s' },
        send: 'CancelExecution',
      }),
    ]);
    expect(plan.executionUpdates[0]?.computeState).toBeUndefined();
    expect(plan.newExecutions).toEqual([]);
    expect(plan.followUp).toBeUndefined();
  });

  it('before the deadline, asks to be woken at it', () => {
    const plan = runningFor({ TotalTimeout: 100, ExecutionTimeout: 100 })
      .at(T0 + 10n * SEC)
      .plan();
    expect(plan.followUp).toEqual({
      waitUntil: T0 + 100n * SEC,
      trigger: 'retry',
      comment: 'check the total timeout of 100s',
    });
  });
});
