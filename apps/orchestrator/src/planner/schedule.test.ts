import { DesiredStateType as D, JobStateType as J, type JobType } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { allocationOf, taskRequest } from './capacity.js';
import { schedule } from './schedule.js';
import { GB, MB, makeJob, makeNode, makeSnapshot, makeTask, T0 } from './testing/fixtures.js';

describe('dispatch by job type', () => {
  it.each<[JobType, D]>([
    ['batch', D.Pending],
    ['service', D.Pending],
    ['ops', D.Running],
    ['daemon', D.Running],
  ])('%s: new executions start with desired %i (WaitForApproval = desired Pending)', (type, desired) => {
    const plan = schedule(makeSnapshot({ job: makeJob({ type }), nodes: [makeNode({ id: 'n-1' })] }), T0);
    expect(plan.newExecutions.map((n) => n.desiredState)).toEqual([desired]);
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
