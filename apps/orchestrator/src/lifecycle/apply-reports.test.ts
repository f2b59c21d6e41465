import { ComputeStateType as C, DesiredStateType as D, EvaluationTrigger } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { runOutput } from '../store/testing/fixtures.js';
import { placeExecution, takeEvaluations, useMemoryStore } from '../transport/testing/harness.js';
import { applyReports } from './apply-reports.js';
import { reportRun } from './testing/report-run.js';

const output = runOutput('ok\n');

describe('a run of reports in one workspace', () => {
  const db = useMemoryStore();
  const { deps, report } = reportRun();

  it('judges each report against what the earlier ones left, and writes the lot once', async () => {
    const { job, execution } = await placeExecution(db.store, 'n-a', {
      compute: C.AskForBid,
      desired: D.Running,
    });
    const other = await placeExecution(db.store, 'n-b', { compute: C.AskForBid, desired: D.Running });
    const run = [
      report('n-a', 'BidResult', { ExecutionID: execution.ID, Accepted: true, Reason: '' }),
      // Not n-a's execution: refused, and the run goes on.
      report('n-a', 'BidResult', { ExecutionID: other.execution.ID, Accepted: true, Reason: '' }),
      report('n-a', 'ExecutionProgress', { ExecutionID: 'e-unknown', Message: 'lost' }),
      report('n-a', 'RunResult', {
        ExecutionID: execution.ID,
        RunOutput: output,
        PublishedResult: { Type: '', Params: null },
      }),
      // A second result for the same run: already Completed, refused.
      report('n-a', 'RunResult', {
        ExecutionID: execution.ID,
        RunOutput: runOutput('again\n'),
        PublishedResult: { Type: '', Params: null },
      }),
    ];
    await db.store.transaction((tx) => applyReports(run, tx, deps));

    expect(await db.store.executions.get(execution.ID)).toMatchObject({
      ComputeState: { StateType: C.Completed, Message: '' },
      DesiredState: { StateType: D.Stopped, Message: 'execution completed' },
      RunOutput: output,
      Revision: execution.Revision + 2,
    });
    expect(await db.store.executions.get(other.execution.ID)).toEqual(other.execution);
    const history = await db.store.history.list(job.ID, { since: 0n, eventType: 'execution', limit: 10 });
    expect(history.items.map((h) => [h.ExecutionState?.New, h.NewRevision, h.Comment])).toEqual([
      [C.BidAccepted, execution.Revision + 1, 'bid accepted by node'],
      [C.Completed, execution.Revision + 2, 'execution completed'],
    ]);
    // The bid added an evaluation; the result found it due and unfinished, so added none.
    const evaluations = await takeEvaluations(db.store, EvaluationTrigger.ExecutionUpdate);
    expect(evaluations.filter((e) => e.JobID === job.ID)).toHaveLength(1);
    expect(evaluations.filter((e) => e.JobID === other.job.ID)).toHaveLength(0);
  });
});
