import { ComputeStateType as C, DesiredStateType as D } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { runOutput } from '../store/testing/fixtures.js';
import { placeExecution, useMemoryStore } from '../transport/testing/harness.js';
import { applyReports } from './apply-reports.js';
import { reportRun } from './testing/report-run.js';

/** Executions the agents' reports end are counted by outcome, and only once the reports commit. */

describe('execution endings from reports', () => {
  const db = useMemoryStore();
  const { deps, report } = reportRun();

  it('hands back a hook that counts each ending by outcome, and none for a run that ends nothing', async () => {
    const done = await placeExecution(db.store, 'n-a', { compute: C.BidAccepted, desired: D.Running });
    const failed = await placeExecution(db.store, 'n-a', { compute: C.BidAccepted, desired: D.Running });
    const ended: Array<[string, number]> = [];
    const endings = { executionEnded: (outcome: string, seconds: number) => ended.push([outcome, seconds]) };
    const published = { Type: '', Params: null };

    const afterCommit = await db.store.transaction((tx) =>
      applyReports(
        [
          report('n-a', 'RunResult', {
            ExecutionID: done.execution.ID,
            RunOutput: runOutput(),
            PublishedResult: published,
          }),
          report('n-a', 'RunResult', {
            ExecutionID: failed.execution.ID,
            RunOutput: runOutput('', { exitCode: 2 }),
            PublishedResult: published,
          }),
        ],
        tx,
        { ...deps, endings },
      ),
    );
    // Nothing is counted inside the transaction: it could still roll back.
    expect(ended).toEqual([]);
    afterCommit?.();
    expect(ended.map(([outcome]) => outcome)).toEqual(['completed', 'task-failed']);
    for (const [, seconds] of ended) expect(seconds).toBeGreaterThanOrEqual(0);

    const progress = await db.store.transaction((tx) =>
      applyReports([report('n-a', 'ExecutionProgress', { ExecutionID: 'e-unknown', Message: 'x' })], tx, {
        ...deps,
        endings,
      }),
    );
    expect(progress).toBeUndefined();
  });
});
