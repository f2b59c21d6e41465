import { ComputeStateType as C } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import { ran, testExecution, testJob } from '../testing/records.js';
import { jobOutcome, outcomeText } from './job-outcome.js';

/** What `--wait` and `--follow` exit with and print last, for each way a job can end. */

describe('jobOutcome', () => {
  it('a Completed job whose runs exited 0: exit 0, shown as exit code 0', () => {
    const job = testJob({ state: 'Completed' });
    const runs = [testExecution({ compute: C.Completed, run: ran(0) })];
    expect(jobOutcome(job, runs)).toEqual({ code: 0, taskExitCode: 0 });
    expect(outcomeText(job, jobOutcome(job, runs))).toBe('Job j-1a2b3c4d Completed (exit code 0)');
  });

  it('a Failed job whose task exited non-zero: exits with the task’s code', () => {
    const job = testJob({ state: 'Failed', message: 'execution failed' });
    const runs = [testExecution({ compute: C.Failed, run: ran(3) })];
    expect(jobOutcome(job, runs)).toEqual({ code: 3, taskExitCode: 3 });
    expect(outcomeText(job, jobOutcome(job, runs))).toBe(
      'Job j-1a2b3c4d Failed (exit code 3): execution failed',
    );
  });

  it('a non-zero run makes the exit code even when the job says Completed', () => {
    const runs = [
      testExecution({ compute: C.Completed, run: ran(0) }),
      testExecution({ compute: C.Completed, run: ran(7) }),
    ];
    expect(jobOutcome(testJob({ state: 'Completed' }), runs).code).toBe(7);
  });

  it('takes the last run that exited non-zero, as retries come after what they replace', () => {
    const runs = [
      testExecution({ compute: C.Failed, run: ran(2) }),
      testExecution({ compute: C.Failed, run: ran(143) }),
    ];
    expect(jobOutcome(testJob({ state: 'Failed' }), runs)).toEqual({ code: 143, taskExitCode: 143 });
  });

  it('a timed-out run killed by a signal exits 137, and one with no run output exits 1', () => {
    const job = testJob({ state: 'Failed', message: 'execution timed out after 2s' });
    const killed = [testExecution({ compute: C.Failed, run: ran(137) })];
    expect(jobOutcome(job, killed)).toEqual({ code: 137, taskExitCode: 137 });
    const unknown = [testExecution({ compute: C.Failed, run: null })];
    expect(jobOutcome(job, unknown)).toEqual({ code: 1, taskExitCode: undefined });
    expect(outcomeText(job, jobOutcome(job, unknown))).toBe(
      'Job j-1a2b3c4d Failed: execution timed out after 2s',
    );
  });

  it('a job that never ran, or was stopped before its task ended, exits 1 with no exit code', () => {
    const never = testJob({ state: 'Failed', message: 'no node satisfies the constraints' });
    expect(jobOutcome(never, [])).toEqual({ code: 1, taskExitCode: undefined });
    const stopped = testJob({ state: 'Stopped' });
    expect(jobOutcome(stopped, [testExecution({ compute: C.Cancelled, run: null })]).code).toBe(1);
  });

  it('a run that exited 0 but failed around its command exits 1', () => {
    const runs = [testExecution({ compute: C.Completed, run: ran(0, { runnerError: 'publish failed' }) })];
    expect(jobOutcome(testJob({ state: 'Completed' }), runs).code).toBe(1);
    expect(jobOutcome(testJob({ state: 'Failed' }), runs)).toEqual({ code: 1, taskExitCode: undefined });
  });

  it('a task code a process cannot exit with becomes 1, never 0', () => {
    const job = testJob({ state: 'Failed' });
    expect(jobOutcome(job, [testExecution({ compute: C.Failed, run: ran(256) })])).toEqual({
      code: 1,
      taskExitCode: 256,
    });
    expect(jobOutcome(job, [testExecution({ compute: C.Failed, run: ran(-1) })]).code).toBe(1);
  });
});
