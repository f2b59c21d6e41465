import type {
  Clock,
  Evaluation,
  EvaluationTrigger,
  Execution,
  GetJobResponse,
  IdGenerator,
  Job,
  ListJobExecutionsResponse,
  ListJobHistoryResponse,
  ListJobResultsResponse,
  ListJobsResponse,
  Nanos,
  PutJobResponse,
  StopJobResponse,
  SubmissionPolicy,
} from '@shoal/models';
import {
  ErrorCode,
  HistoryEventType,
  JobStateType,
  newEvaluation,
  prepareJobSubmission,
  ShoalError,
} from '@shoal/models';
import type { ResultUrls } from '../results/result-urls.js';
import type {
  HistoryQuery,
  ListExecutionsQuery,
  ListJobsQuery,
  NewHistoryEvent,
  Repos,
  Store,
} from '../store/types.js';
import { SubmissionQueue } from './submission-queue.js';

/**
 * The jobs API's behaviour, independent of HTTP: routes parse and validate the request, call one
 * method here, and send what it returns. Writes that belong together (a job, its first history
 * event and its evaluation) happen in one store transaction; concurrent submissions share one.
 */

export interface JobServiceDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  policy?: SubmissionPolicy;
  /** Most submissions written in one transaction (default DEFAULT_MAX_BATCH). */
  maxSubmissionBatch?: number;
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
  private readonly submissions: SubmissionQueue;

  constructor(private readonly deps: JobServiceDeps) {
    this.submissions = new SubmissionQueue(deps.store, deps.maxSubmissionBatch);
  }

  /**
   * Validates at once (a bad job never waits behind others), then joins the submission queue: the
   * job, its first history event and its evaluation commit together, in a transaction shared with
   * the submissions that arrived meanwhile.
   */
  async submit(input: unknown): Promise<PutJobResponse> {
    const { clock, ids, policy } = this.deps;
    const now = clock.now();
    const prepared = prepareJobSubmission(input, { id: ids.job(), now, ...(policy ? { policy } : {}) });
    if (!prepared.ok) throw ShoalError.validation(prepared.problems, 'JobSubmission');
    const { job } = prepared;
    const evaluation = this.evaluation(job, 'job-register', 'job submitted', now);
    const event: NewHistoryEvent = {
      event: {
        Type: HistoryEventType.JobLevel,
        JobID: job.ID,
        JobState: { Previous: JobStateType.Undefined, New: job.State.StateType },
        ExecutionState: null,
        NewRevision: job.Revision,
        Comment: 'Job created',
      },
      time: now,
    };
    await this.submissions.submit({ job, event, evaluation });
    return { JobID: job.ID, EvaluationID: evaluation.ID, Warnings: prepared.warnings };
  }

  async describe(idOrPrefix: string, include: readonly JobInclude[] = []): Promise<GetJobResponse> {
    const { store } = this.deps;
    const job = await store.jobs.get(idOrPrefix);
    const response: GetJobResponse = { Job: job };
    if (include.includes('history')) {
      const page = await store.history.list(job.ID, INCLUDED_HISTORY);
      response.History = { NextToken: page.nextToken, History: page.items };
    }
    if (include.includes('executions')) {
      const page = await store.executions.list(job.ID, INCLUDED_EXECUTIONS);
      response.Executions = { NextToken: page.nextToken, Executions: this.signed(page.items) };
    }
    return response;
  }

  async list(query: ListJobsQuery): Promise<ListJobsResponse> {
    const page = await this.deps.store.jobs.list(query);
    return { Jobs: page.items, NextToken: page.nextToken };
  }

  /**
   * Asks for a stop; an evaluation worker makes the job Stopped. Stopping a finished job is a
   * client error; stopping a stopped job is a no-op that answers an empty evaluation id.
   */
  async stop(idOrPrefix: string, reason?: string): Promise<StopJobResponse> {
    const comment = reason?.trim() ? reason : DEFAULT_STOP_REASON;
    return this.deps.store.transaction(async (tx: Repos) => {
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

  async history(idOrPrefix: string, query: HistoryQuery): Promise<ListJobHistoryResponse> {
    const { store } = this.deps;
    const job = await store.jobs.get(idOrPrefix);
    const page = await store.history.list(job.ID, query);
    return { NextToken: page.nextToken, History: page.items };
  }

  async executions(idOrPrefix: string, query: ListExecutionsQuery): Promise<ListJobExecutionsResponse> {
    const { store } = this.deps;
    const job = await store.jobs.get(idOrPrefix);
    const page = await store.executions.list(job.ID, query);
    return { NextToken: page.nextToken, Executions: this.signed(page.items) };
  }

  async results(idOrPrefix: string, limit: number, nextToken?: string): Promise<ListJobResultsResponse> {
    const { store } = this.deps;
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
