import { ErrorCode, type Execution, isTerminalJobState, type Job, ShoalError } from '@shoal/models';
import { resolveIdInJob } from '../service/job-scoped-ids.js';
import type { Store } from '../store/types.js';

/**
 * Which execution a logs request reads: the one named by `execution_id` (a full id or unique
 * prefix, and it must belong to the job), else the job's most recently created one. Everything
 * here answers before the WebSocket upgrade, so a client mistake is a plain JSON 4xx.
 */

export interface LogTarget {
  job: Job;
  /** Undefined only when following a job that has no execution yet: the stream waits for one. */
  execution: Execution | undefined;
}

const COMPONENT = 'Logs';

export async function resolveLogTarget(
  store: Store,
  jobIdOrPrefix: string,
  options: { executionId?: string | undefined; follow: boolean },
): Promise<LogTarget> {
  const job = await store.jobs.get(jobIdOrPrefix);
  if (options.executionId !== undefined) {
    // Resolved among the job's own executions, as history's execution_id is.
    const id = await resolveIdInJob(store, job.ID, 'id', options.executionId, 'execution_id');
    const execution = id === undefined ? undefined : await store.executions.find(id);
    if (execution === undefined) {
      throw new ShoalError(
        ErrorCode.NotFound,
        `execution_id: no execution of job ${job.ID} matches ${options.executionId}`,
        {
          component: COMPONENT,
          hint: `list the job's executions: GET /api/v1/orchestrator/jobs/${job.ID}/executions`,
        },
      );
    }
    return { job, execution };
  }
  const execution = await latestExecution(store, job.ID);
  if (execution === undefined && !options.follow) {
    throw new ShoalError(ErrorCode.NotFound, `job ${job.ID} has no execution yet`, {
      component: COMPONENT,
      hint: isTerminalJobState(job.State.StateType)
        ? `the job is ${job.State.StateType} and never ran`
        : 'retry once it is scheduled, or pass follow=true to wait for its first execution',
    });
  }
  return { job, execution };
}

/** The job's most recently created execution, if any. */
export async function latestExecution(store: Store, jobId: string): Promise<Execution | undefined> {
  const page = await store.executions.list(jobId, { limit: 1, orderBy: 'create_time', reverse: true });
  return page.items[0];
}
