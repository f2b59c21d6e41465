import { JobStateType } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import type { Plan, SchedulerSnapshot } from '../planner/index.js';
import { makeJob } from '../store/testing/fixtures.js';
import { PlanTally } from './plan-tally.js';

/** What a batch's plans count: placements, queued and failed jobs, and first placements' waits. */

const SEC = 1_000_000_000n;
const job = makeJob({ State: { StateType: JobStateType.Pending, Message: '' } });
const snapshot = (executions: number) =>
  ({ job, executions: Array.from({ length: executions }, () => ({})) }) as unknown as SchedulerSnapshot;
const plan = (newExecutions: number, state?: JobStateType): Plan =>
  ({
    jobRevision: job.Revision,
    newExecutions: Array.from({ length: newExecutions }, () => ({})),
    executionUpdates: [],
    notes: [],
    ...(state ? { jobState: { StateType: state, Message: '' } } : {}),
  }) as unknown as Plan;

describe('PlanTally', () => {
  it('counts placements, and the queue wait of a job placed for the first time only', () => {
    const tally = new PlanTally();
    tally.add(snapshot(0), plan(2, JobStateType.Running), job.CreateTime + 3n * SEC);
    tally.add(snapshot(2), plan(1), job.CreateTime + 9n * SEC);
    expect(tally).toMatchObject({ placed: 3, queued: 0, failed: 0, queueWaits: [3] });
    expect(tally.empty).toBe(false);
  });

  it('counts jobs moved to Queued and to Failed, not a plan that leaves the state as it was', () => {
    const tally = new PlanTally();
    tally.add(snapshot(0), plan(0, JobStateType.Queued), job.CreateTime);
    tally.add(snapshot(1), plan(0, JobStateType.Failed), job.CreateTime);
    tally.add(snapshot(0), plan(0, JobStateType.Pending), job.CreateTime);
    tally.add(snapshot(0), plan(0), job.CreateTime);
    expect(tally).toMatchObject({ placed: 0, queued: 1, failed: 1, queueWaits: [] });
    expect(new PlanTally().empty).toBe(true);
  });
});
