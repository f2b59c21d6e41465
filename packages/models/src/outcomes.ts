/**
 * Why an execution ended, decided once by the orchestrator's writer at the moment the execution
 * becomes terminal, and kept beside it (not on the wire: the v1 API shows compute and desired
 * state). The planner reads it to tell the job's own answer from an accident of infrastructure:
 *
 * | outcome     | what happened                                        | counts as an attempt | retried |
 * | ----------- | ---------------------------------------------------- | :------------------: | :-----: |
 * | completed   | the task exited 0                                     |                      |         |
 * | task-failed | the task exited non-zero, or ran past its timeout     |                      | never: the job fails |
 * | failed      | the node could not run it (engine error, lost run)    |          ✓           |    ✓    |
 * | lost        | its node disappeared past the grace window            |          ✓           |    ✓    |
 * | rejected    | the node refused the bid (engine missing, disallowed)  |          ✓           |    ✓    |
 * | busy        | the node refused the bid for lack of free room        |                      | ✓ (queued) |
 * | stopped     | the orchestrator asked it to stop (job stopped, extra bid) |                  |         |
 */
export const ExecutionOutcome = {
  Completed: 'completed',
  TaskFailed: 'task-failed',
  Failed: 'failed',
  Lost: 'lost',
  Rejected: 'rejected',
  Busy: 'busy',
  Stopped: 'stopped',
} as const;
export type ExecutionOutcome = (typeof ExecutionOutcome)[keyof typeof ExecutionOutcome];

const OUTCOMES = new Set<string>(Object.values(ExecutionOutcome));

export function isExecutionOutcome(value: unknown): value is ExecutionOutcome {
  return typeof value === 'string' && OUTCOMES.has(value);
}

/** An ending that used up one of the partition's attempts. */
export function countsAsAttempt(outcome: ExecutionOutcome): boolean {
  return outcome === 'failed' || outcome === 'lost' || outcome === 'rejected';
}
