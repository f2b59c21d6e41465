import { ComputeStateType as C, DesiredStateType as D, JobStateType as J } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { makeExecution, makeJob, makeNode, SEC, T0 } from './testing/fixtures.js';
import { Scenario } from './testing/scenario.js';

const buffer = 30n * SEC;
const settings = { executionTimeoutBufferNanos: buffer, retryBackoff: { baseNanos: SEC, maxNanos: SEC } };

function runningFor(
  timeouts: { ExecutionTimeout?: number; TotalTimeout?: number },
  compute: C = C.BidAccepted,
) {
  return new Scenario({
    job: makeJob({ State: { StateType: J.Running, Message: '' }, task: { Timeouts: timeouts } }),
    nodes: [makeNode({ id: 'n-1' }), makeNode({ id: 'n-2' })],
    executions: [makeExecution({ id: 'e-1', node: 'n-1', desired: D.Running, compute, created: T0 })],
    settings,
  });
}

describe('execution timeout on a silent agent', () => {
  it('waits for the agent until timeout + buffer, with a follow-up at that instant', () => {
    const sc = runningFor({ ExecutionTimeout: 60 }).at(T0 + 60n * SEC + buffer - 1n);
    const plan = sc.plan();
    expect(plan.executionUpdates).toEqual([]);
    expect(plan.followUp).toEqual({
      waitUntil: T0 + 90n * SEC,
      trigger: 'retry',
      comment: 'check whether execution e-1 has timed out',
    });
  });

  it('then fails it server-side, stops it, and retries elsewhere', () => {
    const sc = runningFor({ ExecutionTimeout: 60 }).at(T0 + 90n * SEC);
    const plan = sc.step();
    expect(plan.executionUpdates).toEqual([
      {
        executionId: 'e-1',
        expectedRevision: 1,
        computeState: { StateType: C.Failed, Message: 'execution timed out after 60s' },
        desiredState: { StateType: D.Stopped, Message: 'execution timed out after 60s' },
        comment: 'execution timed out after 60s (agent silent; failed by the orchestrator)',
        send: 'CancelExecution',
      },
    ]);
    expect(sc.after(SEC).step().newExecutions).toEqual([expect.objectContaining({ nodeId: 'n-2' })]);
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

describe('total timeout', () => {
  it('fails the job once TotalTimeout has passed since CreateTime, and stops its executions', () => {
    const sc = runningFor({ TotalTimeout: 100, ExecutionTimeout: 50 }).at(T0 + 100n * SEC);
    const plan = sc.step();
    expect(plan.jobState).toEqual({
      StateType: J.Failed,
      Message: 'job exceeded its total timeout of 100s',
      Comment: 'Job failed: job exceeded its total timeout of 100s',
    });
    // The execution timeout (50 + 30 s) passed too: it is failed server-side and stopped once.
    expect(plan.executionUpdates).toHaveLength(1);
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
