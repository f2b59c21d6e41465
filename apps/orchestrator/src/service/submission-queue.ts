import { ErrorCode, type Evaluation, isShoalError, type Job } from '@shoal/models';
import { bounded } from '../store/bounded.js';
import { commitMarginMs } from '../store/commit-guard.js';
import { Deadline } from '../store/deadline.js';
import type { NewHistoryEvent, Store, SubmissionToken } from '../store/types.js';

/**
 * Group commit for job submissions. Under load the orchestrator pays per SQL statement, not per
 * row, so submissions that arrive while a write is in flight are written together: one
 * transaction, one multi-row statement per table. There is no linger timer: an idle queue writes
 * at once (after the current tick, so submissions made together go together), and a busy one
 * writes everything that gathered meanwhile as soon as the write in flight ends.
 */

/** What one submission stores: the job, its first history event, its evaluation, its token. */
export interface Submission {
  job: Job;
  event: NewHistoryEvent;
  evaluation: Evaluation;
  token?: SubmissionToken;
}

/** What became of a submission: written now, or answered by the earlier one with its token. */
export type Submitted = { written: true } | { written: false; earlier: SubmissionToken };

interface Waiting {
  submission: Submission;
  deadline: Deadline | undefined;
  resolve: (outcome: Submitted) => void;
  reject: (error: unknown) => void;
}

/** Enough to amortise the statements; few enough that one transaction stays short. */
export const DEFAULT_MAX_BATCH = 256;

export class SubmissionQueue {
  private waiting: Waiting[] = [];
  private writing = false;

  constructor(
    private readonly store: Store,
    private readonly maxBatch = DEFAULT_MAX_BATCH,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) {
      throw new RangeError(`maxBatch must be a positive integer, got ${maxBatch}`);
    }
  }

  /**
   * Resolves once the submission is committed; rejects with its own error only. With a deadline,
   * it fails Unavailable when the deadline passes first: still waiting, it leaves the queue and is
   * never written; being written, its transaction answers by the batch's earliest deadline and its
   * commit guard refuses a late COMMIT (store/commit-guard.ts).
   */
  submit(submission: Submission, deadline?: Deadline): Promise<Submitted> {
    let waiting: Waiting | undefined;
    const queued = () =>
      new Promise<Submitted>((resolve, reject) => {
        waiting = { submission, deadline, resolve, reject };
        this.waiting.push(waiting);
        if (!this.writing) {
          this.writing = true;
          queueMicrotask(() => void this.drain());
        }
      });
    if (deadline === undefined) return queued();
    return deadline.race(queued, () => {
      this.waiting = this.waiting.filter((w) => w !== waiting);
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) await this.commit(this.waiting.splice(0, this.maxBatch));
    } finally {
      this.writing = false;
    }
  }

  /** Settles every submission of the batch; never throws. */
  private async commit(all: Waiting[]): Promise<void> {
    // One whose server-side commit deadline has come would fail the whole batch at its start.
    const batch = all.filter((w) => {
      const late =
        w.deadline !== undefined && w.deadline.remainingMs() <= commitMarginMs(w.deadline.budgetMs);
      if (late) w.reject(w.deadline?.error());
      return !late;
    });
    if (batch.length === 0) return;
    try {
      const earlier = await this.write(batch);
      for (const w of batch) w.resolve(outcomeOf(w, earlier));
      return;
    } catch (error) {
      // A dead database is nobody's own fault: retrying each one would only wait out the outage
      // once per submission.
      if (batch.length === 1 || isUnavailable(error)) {
        for (const w of batch) w.reject(error);
        return;
      }
    }
    // One bad submission (a duplicate id, say) fails the whole statement: alone, each one either
    // commits or fails with its own error.
    for (const w of batch) {
      try {
        w.resolve(outcomeOf(w, await this.write([w])));
      } catch (error) {
        w.reject(error);
      }
    }
  }

  /**
   * Writes the batch's new submissions; returns the earlier submissions of those whose token was
   * used already (by key), which are not written. Looking the tokens up here costs one statement
   * per batch instead of one per request; two of one batch with one token make one job.
   */
  private write(batch: readonly Waiting[]): Promise<Map<string, SubmissionToken>> {
    const deadline = Deadline.earliest(batch.flatMap((w) => (w.deadline ? [w.deadline] : [])));
    const store = deadline ? bounded(this.store, deadline) : this.store;
    return store.transaction(async (tx) => {
      const tokens = batch.flatMap((w) => (w.submission.token ? [w.submission.token] : []));
      const earlier = new Map((await tx.submissionTokens.findMany(tokens)).map((t) => [tokenKey(t), t]));
      const submissions: Submission[] = [];
      for (const { submission } of batch) {
        const { token } = submission;
        if (token && earlier.has(tokenKey(token))) continue;
        if (token) earlier.set(tokenKey(token), token);
        submissions.push(submission);
      }
      await tx.bulk.insertNewJobs(submissions.map((s) => ({ job: s.job, events: [s.event] })));
      // Both refer to the jobs just written, not to each other: sent together, one round trip.
      await Promise.all([
        tx.evaluations.insertMany(submissions.map((s) => s.evaluation)),
        tx.submissionTokens.insertMany(submissions.flatMap((s) => (s.token ? [s.token] : []))),
      ]);
      // What the next lookups should answer: the token's first submission, never a later one.
      return earlier;
    });
  }
}

const tokenKey = (t: { namespace: string; token: string }) => JSON.stringify([t.namespace, t.token]);

function outcomeOf(w: Waiting, earlier: ReadonlyMap<string, SubmissionToken>): Submitted {
  const { token, job } = w.submission;
  const first = token && earlier.get(tokenKey(token));
  return first && first.jobId !== job.ID ? { written: false, earlier: first } : { written: true };
}

function isUnavailable(error: unknown): boolean {
  return isShoalError(error) && error.code === ErrorCode.Unavailable;
}
