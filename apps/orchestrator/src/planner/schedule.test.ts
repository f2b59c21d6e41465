import { DesiredStateType as D, JobStateType as J, type JobType } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { allocationOf, taskRequest } from './capacity.js';
import { schedule } from './schedule.js';
import { GB, MB, makeJob, makeNode, makeSnapshot, makeTask, T0 } from './testing/fixtures.js';

describe('dispatch by job type', () => {
  // One ask per partition (the default) leaves nothing to choose between, so the node starts on
  // accepting; several asks per partition wait for the offers (WaitForApproval = desired Pending).
  it.each<[JobType, number, D]>([
    ['batch', 1, D.Running],
    ['service', 1, D.Running],
    ['batch', 2, D.Pending],
    ['service', 2, D.Pending],
    ['ops', 1, D.Running],
    ['daemon', 1, D.Running],
  ])('%s with %i ask(s) per partition: new executions start with desired %i', (type, asks, desired) => {
    const snapshot = makeSnapshot({
      job: makeJob({ type }),
      nodes: [makeNode({ id: 'n-1' }), makeNode({ id: 'n-2' })],
      settings: { bidsPerPartition: asks },
    });
    const plan = schedule(snapshot, T0);
    expect(new Set(plan.newExecutions.map((n) => n.desiredState))).toEqual(new Set([desired]));
  });
});

describe('jobs that cannot be scheduled at all', () => {
  it('fails a job without a task', () => {
    const plan = schedule(
      makeSnapshot({ job: { ...makeJob(), Tasks: [] }, nodes: [makeNode({ id: 'n-1' })] }),
      T0,
    );
    expect(plan.jobState).toMatchObject({ StateType: J.Failed, Message: 'job has no task to run' });
  });

  it('fails a job whose stored resources do not parse (a corrupt row), with the reason', () => {
    const job = makeJob({ task: { Resources: { CPU: 'lots', Memory: '1Gb', Disk: '', GPU: '' } } });
    const plan = schedule(makeSnapshot({ job, nodes: [makeNode({ id: 'n-1' })] }), T0);
    expect(plan.jobState?.Message).toBe(
      'cannot schedule: invalid CPU "lots": expected a number, e.g. 2, 0.5 or 500m',
    );
  });

  it('schedules the first task and notes that others are ignored', () => {
    const job = { ...makeJob(), Tasks: [makeTask(), makeTask({ Name: 'second' })] };
    const plan = schedule(makeSnapshot({ job, nodes: [makeNode({ id: 'n-1' })] }), T0);
    expect(plan.newExecutions).toHaveLength(1);
    expect(plan.notes).toContain('only the first of 2 tasks is scheduled');
  });
});

describe('resources', () => {
  it.each([
    [
      { CPU: '500m', Memory: '512Mb', Disk: '', GPU: '' },
      { CPU: 0.5, Memory: 512 * MB, Disk: 0, GPU: 0 },
    ],
    [
      { CPU: '2', Memory: '1Gi', Disk: '10Gb', GPU: '1' },
      { CPU: 2, Memory: 1024 ** 3, Disk: 10 * GB, GPU: 1 },
    ],
  ])('%o needs %o', (resources, expected) => {
    expect(taskRequest(makeTask({ Resources: resources }))).toEqual({ ok: true, request: expected });
  });

  it('reads an allocation back from AllocatedResources, ignoring junk', () => {
    expect(
      allocationOf({ main: { CPU: 1, Memory: 5, Disk: 0, GPU: 0 }, other: { CPU: 0.5 }, junk: 'x' }),
    ).toEqual({
      CPU: 1.5,
      Memory: 5,
      Disk: 0,
      GPU: 0,
    });
  });
});
