import { ComputeStateType as C, DesiredStateType as D } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { testExecution, testJob } from '../testing/records.js';
import { isUp, runsUntilStopped, upText } from './job-ready.js';

/** When `--wait` on a daemon or service job returns: every live execution runs its task. */

const running = (node: string) => testExecution({ node, compute: C.BidAccepted, desired: D.Running });

describe('isUp', () => {
  it('a daemon is up once it is Running and each execution not ended runs', () => {
    const job = testJob({ type: 'daemon', state: 'Running' });
    const gone = testExecution({ node: 'node-3', compute: C.Failed, desired: D.Stopped });
    expect(isUp(job, [running('node-1'), running('node-2'), gone])).toBe(true);
    expect(upText(job, [running('node-2'), running('node-1'), gone])).toBe(
      'Job j-1a2b3c4d Running on node-1, node-2',
    );
  });

  it('is not up while an execution is being placed, started or stopped, or with none', () => {
    const job = testJob({ type: 'daemon', state: 'Running' });
    const asked = testExecution({ compute: C.AskForBidAccepted, desired: D.Running });
    const pending = testExecution({ compute: C.BidAccepted, desired: D.Pending });
    const stopping = testExecution({ compute: C.BidAccepted, desired: D.Stopped });
    for (const other of [asked, pending, stopping]) expect(isUp(job, [running('node-1'), other])).toBe(false);
    expect(isUp(job, [])).toBe(false);
  });

  it('a service needs Count running executions, and the job Running', () => {
    const job = testJob({ type: 'service', count: 2, state: 'Running' });
    expect(isUp(job, [running('node-1')])).toBe(false);
    expect(isUp(job, [running('node-1'), running('node-2')])).toBe(true);
    expect(
      isUp({ ...job, State: { StateType: 'Queued', Message: '' } }, [running('node-1'), running('node-2')]),
    ).toBe(false);
  });

  it('never for batch and ops jobs, which are waited for until they end', () => {
    for (const type of ['batch', 'ops'] as const) {
      const job = testJob({ type, state: 'Running' });
      expect(runsUntilStopped(job)).toBe(false);
      expect(isUp(job, [running('node-1')])).toBe(false);
    }
  });
});
