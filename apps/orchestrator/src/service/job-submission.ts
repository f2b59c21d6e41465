import type { Clock, Evaluation, IdGenerator, PutJobResponse, SubmissionPolicy } from '@shoal/models';
import {
  ErrorCode,
  HistoryEventType,
  isShoalError,
  JobStateType,
  newEvaluation,
  prepareJobSubmission,
  ShoalError,
} from '@shoal/models';
import { bounded } from '../store/bounded.js';
import type { Deadline } from '../store/deadline.js';
import type { Store, SubmissionToken } from '../store/types.js';
import { SubmissionQueue } from './submission-queue.js';

/**
 * PUT /jobs: a job, its first history event, its evaluation and its IdempotencyToken, committed
 * together through the submission queue (group commit).
 *
 * A client that got no answer, or a 503, cannot know whether its job was made; with a token it
 * may retry safely: a PUT whose token was already used in the job's namespace is answered with
 * the first PUT's JobID and EvaluationID and makes nothing. The job in the retry is not compared
 * with the first: the token names the submission. Two PUTs with one token racing each other
 * cannot both commit (the token's primary key); the loser answers with the winner's ids.
 */

export interface JobSubmissionDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  policy?: SubmissionPolicy;
  /** Most submissions written in one transaction (default DEFAULT_MAX_BATCH). */
  maxSubmissionBatch?: number;
}

export interface SubmitOptions {
  /** Bacalhau's PutJobRequest.IdempotencyToken; empty means none. */
  idempotencyToken?: string;
  /** When the store must have answered (the API's per-request deadline). */
  deadline?: Deadline;
  /** The accepting orchestrator's node id, recorded in the job's meta as Bacalhau records it. */
  requesterId?: string;
}

export class JobSubmission {
  private readonly queue: SubmissionQueue;

  constructor(private readonly deps: JobSubmissionDeps) {
    this.queue = new SubmissionQueue(deps.store, deps.maxSubmissionBatch);
  }

  /** Validates at once (a bad job never waits behind others), then joins the queue. */
  async submit(input: unknown, options: SubmitOptions = {}): Promise<PutJobResponse> {
    const { clock, ids, policy } = this.deps;
    const { deadline } = options;
    const store = deadline ? bounded(this.deps.store, deadline) : this.deps.store;
    const now = clock.now();
    const prepared = prepareJobSubmission(input, {
      id: ids.job(),
      now,
      ...(policy ? { policy } : {}),
      ...(options.requesterId ? { requesterId: options.requesterId } : {}),
    });
    if (!prepared.ok) throw ShoalError.validation(prepared.problems, 'JobSubmission');
    const { job, warnings } = prepared;
    const token = options.idempotencyToken || undefined;
    const earlier = (found: SubmissionToken): PutJobResponse => ({
      JobID: found.jobId,
      EvaluationID: found.evaluationId,
      Warnings: warnings,
    });
    const evaluation: Evaluation = newEvaluation({
      id: ids.evaluation(),
      job,
      trigger: 'job-register',
      comment: 'job submitted',
      now,
    });
    const event = {
      event: {
        Type: HistoryEventType.JobLevel,
        JobID: job.ID,
        // Bacalhau's job store records a job's creation as Pending → Pending, not from Undefined.
        JobState: { Previous: JobStateType.Pending, New: job.State.StateType },
        ExecutionState: null,
        NewRevision: job.Revision,
        Comment: 'Job created',
      },
      time: now,
    };
    const record = token && {
      namespace: job.Namespace,
      token,
      jobId: job.ID,
      evaluationId: evaluation.ID,
      createTime: now,
    };
    try {
      const outcome = await this.queue.submit(
        { job, event, evaluation, ...(record ? { token: record } : {}) },
        deadline,
      );
      if (!outcome.written) return earlier(outcome.earlier);
    } catch (error) {
      const lostRace = record && isShoalError(error) && error.code === ErrorCode.Conflict;
      const found = lostRace ? await store.submissionTokens.find(record.namespace, record.token) : undefined;
      if (found) return earlier(found);
      throw error;
    }
    return { JobID: job.ID, EvaluationID: evaluation.ID, Warnings: warnings };
  }
}
