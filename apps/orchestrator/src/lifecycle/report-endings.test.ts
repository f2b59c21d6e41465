import { ComputeStateType as C, DesiredStateType as D } from '@shoal/models';
import type { StreamEnvelope } from '@shoal/protocol';
import { describe, expect, it } from 'vitest';
import { runOutput } from '../store/testing/fixtures.js';
import { placeExecution, useMemoryStore } from '../transport/testing/harness.js';
import { applyReports } from './apply-reports.js';
import { reportRun } from './testing/report-run.js';

/**
 * How each way an execution can end is written: its compute state, its real exit code and output,
 * its desired state retired to Stopped, and the outcome the planner reads. Node usage must drop
 * exactly when the agent says the resources are free.
 */
describe('reports that end an execution', () => {
  const db = useMemoryStore();
  const { deps, report } = reportRun();
  const apply = (...run: StreamEnvelope[]) => db.store.transaction((tx) => applyReports(run, tx, deps));
  const stored = async (id: string) => {
    const [e] = await db.store.transaction((tx) => tx.bulk.findExecutions([id]));
    return e;
  };
  const usage = async (nodeId: string) => (await db.store.scheduling.usageByNode()).get(nodeId)?.CPU ?? 0;

  it('a non-zero exit fails the execution with its exit code and output: the task answered', async () => {
    const { execution } = await placeExecution(db.store, 'n-exit', {
      compute: C.BidAccepted,
      desired: D.Running,
    });
    const output = { ...runOutput('out\n'), exitCode: 3 };
    await apply(
      report('n-exit', 'RunResult', {
        ExecutionID: execution.ID,
        RunOutput: output,
        PublishedResult: { Type: '', Params: null },
      }),
    );
    expect(await stored(execution.ID)).toMatchObject({
      ComputeState: { StateType: C.Failed, Message: 'exit code 3' },
      DesiredState: { StateType: D.Stopped, Message: 'execution failed' },
      RunOutput: output,
      outcome: 'task-failed',
    });
  });

  it('a timeout keeps the output printed before the kill and is final', async () => {
    const { execution } = await placeExecution(db.store, 'n-slow', {
      compute: C.BidAccepted,
      desired: D.Running,
    });
    const output = { ...runOutput('before\n'), exitCode: 137 };
    await apply(
      report('n-slow', 'ComputeError', {
        ExecutionID: execution.ID,
        Error: 'execution timed out after 2s',
        RunOutput: output,
        Final: true,
      }),
    );
    expect(await stored(execution.ID)).toMatchObject({
      ComputeState: { StateType: C.Failed, Message: 'execution timed out after 2s' },
      DesiredState: { StateType: D.Stopped },
      RunOutput: { ...output, runnerError: 'execution timed out after 2s' },
      outcome: 'task-failed',
    });
  });

  it('an agent error without a run is an infrastructure failure with no exit code', async () => {
    const { execution } = await placeExecution(db.store, 'n-err', {
      compute: C.BidAccepted,
      desired: D.Running,
    });
    await apply(report('n-err', 'ComputeError', { ExecutionID: execution.ID, Error: 'image not found' }));
    expect(await stored(execution.ID)).toMatchObject({
      ComputeState: { StateType: C.Failed, Message: 'image not found' },
      RunOutput: null,
      outcome: 'failed',
    });
  });

  it('a refusal for room is marked busy; any other refusal rejected', async () => {
    const busy = await placeExecution(db.store, 'n-full', { compute: C.AskForBid, desired: D.Pending });
    const other = await placeExecution(db.store, 'n-full', { compute: C.AskForBid, desired: D.Pending });
    await apply(
      report('n-full', 'BidResult', {
        ExecutionID: busy.execution.ID,
        Accepted: false,
        Reason: 'not enough CPU: needs 0.5 cores, 0.1 cores available',
        OutOfCapacity: true,
      }),
      report('n-full', 'BidResult', {
        ExecutionID: other.execution.ID,
        Accepted: false,
        Reason: 'no docker',
      }),
    );
    expect((await stored(busy.execution.ID))?.outcome).toBe('busy');
    expect((await stored(other.execution.ID))?.outcome).toBe('rejected');
  });

  it('a stopped execution holds its room until the agent confirms the cancel, then ends Cancelled', async () => {
    const { execution } = await placeExecution(db.store, 'n-stop', {
      compute: C.BidAccepted,
      desired: D.Running,
    });
    const reason = 'job stopped: stopped by user';
    const stopping = { ...execution, DesiredState: { StateType: D.Stopped, Message: reason } };
    await db.store.transaction((tx) =>
      tx.bulk.saveExecutions([{ execution: { ...stopping, Revision: 2 }, expectedRevision: 1 }]),
    );
    expect(await usage('n-stop')).toBeGreaterThan(0);
    await apply(report('n-stop', 'ExecutionCancelled', { ExecutionID: execution.ID, Message: '' }));
    expect(await stored(execution.ID)).toMatchObject({
      ComputeState: { StateType: C.Cancelled, Message: reason },
      DesiredState: { StateType: D.Stopped, Message: reason },
      outcome: 'stopped',
    });
    expect(await usage('n-stop')).toBe(0);
    const history = await db.store.history.list(execution.JobID, {
      since: 0n,
      eventType: 'execution',
      limit: 10,
    });
    expect(history.items.at(-1)?.Comment).toBe(`execution cancelled on the node: ${reason}`);
  });
});
