import type {
  Evaluation,
  EvaluationTrigger,
  Execution,
  GetJobResponse,
  Job,
  ListJobExecutionsResponse,
  ListJobHistoryResponse,
  ListJobResultsResponse,
  ListJobsResponse,
  Nanos,
  PutJobResponse,
  StopJobResponse,
} from '@shoal/models';
import { ErrorCode, JobStateType, newEvaluation, ShoalError, wireExecution } from '@shoal/models';
import type { ResultUrls } from '../results/result-urls.js';
import { bounded } from '../store/bounded.js';
import type { Deadline } from '../store/deadline.js';
import type { HistoryQuery, ListExecutionsQuery, ListJobsQuery, Repos, Store } from '../store/types.js';
import { resolveIdInJob } from './job-scoped-ids.js';
import { JobSubmission, type JobSubmissionDeps, type SubmitOptions } from './job-submission.js';

/**
 * The jobs API's behaviour, independent of HTTP: routes parse and validate the request, call one
 * method here, and send what it returns. Writes that belong together (a job, its first history
 * event and its evaluation) happen in one store transaction; concurrent submissions share one
 * (job-submission.ts). Each call's store work answers by its own deadline when one is given.
 */

export interface JobServiceDeps extends JobSubmissionDeps {
  /**
   * Starts the deadline of one API call's store work (bounded.ts): with the database down or
   * frozen, the call fails Unavailable when it passes. Without it the store is waited for (tests).
   */
  deadline?: () => Deadline;
  /**
   * Signs every result URL handed out (results, executions), since agents open only signed ones.
   * Without it URLs go out as stored (tests of other things).
   */
  resultUrls?: ResultUrls;
}

export type JobInclude = 'history' | 'executions';

export const DEFAULT_STOP_REASON = 'job stopped by user';
/** What `include=` fetches alongside a job: the first page of each, as the list routes would. */
const INCLUDED_HISTORY: HistoryQuery = { since: 0n, eventType: 'all', limit: 100 };
const INCLUDED_EXECUTIONS: ListExecutionsQuery = { limit: 100, orderBy: 'modify_time', reverse: false };

export class JobService {
  private readonly submissions: JobSubmission;

  constructor(private readonly deps: JobServiceDeps) {
    this.submissions = new JobSubmission(deps);
  }

  /** The store for one call of the API: bounded by its own deadline when there is one. */
  private store(): Store {
    const deadline = this.deps.deadline?.();
    return deadline ? bounded(this.deps.store, deadline) : this.deps.store;
  }

  /** PUT /jobs: see JobSubmission. */
  submit(
    input: unknown,
    options: Pick<SubmitOptions, 'idempotencyToken' | 'requesterId'> = {},
  ): Promise<PutJobResponse> {
    const deadline = this.deps.deadline?.();
    return this.submissions.submit(input, { ...options, ...(deadline ? { deadline } : {}) });
  }

  async describe(idOrPrefix: string, include: readonly JobInclude[] = []): Promise<GetJobResponse> {
    const store = this.store();
    const job = await store.jobs.get(idOrPrefix);
    const response: GetJobResponse = { Job: job };
    if (include.includes('history')) {
      const page = await store.history.list(job.ID, INCLUDED_HISTORY);
      response.History = { NextToken: page.nextToken, History: page.items };
    }
    if (include.includes('executions')) {
      const page = await store.executions.list(job.ID, INCLUDED_EXECUTIONS);
      response.Executions = {
        NextToken: page.nextToken,
        Executions: this.signed(page.items).map(wireExecution),
      };
    }
    return response;
  }

  async list(query: ListJobsQuery): Promise<ListJobsResponse> {
    const page = await this.store().jobs.list(query);
    return { Jobs: page.items, NextToken: page.nextToken };
  }

  /**
   * Asks for a stop; an evaluation worker makes the job Stopped. Stopping a finished job is a
   * client error; stopping a stopped job is a no-op that answers an empty evaluation id.
   */
  async stop(idOrPrefix: string, reason?: string): Promise<StopJobResponse> {
    const comment = reason?.trim() ? reason : DEFAULT_STOP_REASON;
    return this.store().transaction(async (tx: Repos) => {
      const job = await tx.jobs.get(idOrPrefix);
      const state = job.State.StateType;
      if (state === JobStateType.Completed || state === JobStateType.Failed) {
        throw new ShoalError(ErrorCode.Conflict, `job ${job.ID} is already ${state}`, {
          component: 'JobService',
          retryable: false,
          hint: 'only a job that has not finished can be stopped',
        });
      }
      if (state === JobStateType.Stopped) return { EvaluationID: '' };
      const evaluation = this.evaluation(job, 'job-stop', comment, this.deps.clock.now());
      await tx.evaluations.insert(evaluation);
      return { EvaluationID: evaluation.ID };
    });
  }

  /**
   * `executionId` and `nodeId` may be prefixes, resolved against the job's own executions (see
   * resolveIdInJob). One that matches none of them filters out every event, as any filter that
   * names nothing does: the answer is empty, and a running job's NextToken still polls for more.
   */
  async history(idOrPrefix: string, query: HistoryQuery): Promise<ListJobHistoryResponse> {
    const store = this.store();
    const job = await store.jobs.get(idOrPrefix);
    const { executionId, nodeId } = query;
    // Unresolved, the prefix itself stays the filter: no event of this job carries it as its id.
    const resolved: HistoryQuery = {
      ...query,
      requested: { executionId, nodeId },
      executionId:
        executionId &&
        ((await resolveIdInJob(store, job.ID, 'id', executionId, 'execution_id')) ?? executionId),
      nodeId: nodeId && ((await resolveIdInJob(store, job.ID, 'nodeId', nodeId, 'node_id')) ?? nodeId),
    };
    const page = await store.history.list(job.ID, resolved);
    return { NextToken: page.nextToken, History: page.items };
  }

  async executions(idOrPrefix: string, query: ListExecutionsQuery): Promise<ListJobExecutionsResponse> {
    const store = this.store();
    const job = await store.jobs.get(idOrPrefix);
    const page = await store.executions.list(job.ID, query);
    return { NextToken: page.nextToken, Executions: this.signed(page.items).map(wireExecution) };
  }

  async results(idOrPrefix: string, limit: number, nextToken?: string): Promise<ListJobResultsResponse> {
    const store = this.store();
    const job = await store.jobs.get(idOrPrefix);
    const page = await store.executions.listResults(job.ID, limit, nextToken);
    const urls = this.deps.resultUrls;
    const Results = page.items.map(({ executionId, nodeId, result }) =>
      urls ? urls.sign(result, executionId, nodeId) : result,
    );
    return { NextToken: page.nextToken, Results };
  }

  private signed(executions: Execution[]): Execution[] {
    const urls = this.deps.resultUrls;
    return urls ? executions.map((e) => urls.signExecution(e)) : executions;
  }

  private evaluation(job: Job, trigger: EvaluationTrigger, comment: string, now: Nanos): Evaluation {
    return newEvaluation({ id: this.deps.ids.evaluation(), job, trigger, comment, now });
  }
}
