import { ErrorCode, type Evaluation, isShoalError, type Job } from '@shoal/models';
import type { NewHistoryEvent, Store } from '../store/types.js';

/**
 * Group commit for job submissions. Under load the orchestrator pays per SQL statement, not per
 * row, so submissions that arrive while a write is in flight are written together: one
 * transaction, one multi-row statement per table. There is no linger timer: an idle queue writes
 * at once (after the current tick, so submissions made together go together), and a busy one
 * writes everything that gathered meanwhile as soon as the write in flight ends.
 */

/** What one submission stores: the job, its first history event and its evaluation. */
export interface Submission {
  job: Job;
  event: NewHistoryEvent;
  evaluation: Evaluation;
}

interface Waiting {
  submission: Submission;
  resolve: () => void;
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

  /** Resolves once the submission is committed; rejects with its own error only. */
  submit(submission: Submission): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ submission, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        queueMicrotask(() => void this.drain());
      }
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
  private async commit(batch: Waiting[]): Promise<void> {
    try {
      await this.write(batch.map((w) => w.submission));
      for (const w of batch) w.resolve();
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
        await this.write([w.submission]);
        w.resolve();
      } catch (error) {
        w.reject(error);
      }
    }
  }

  private write(submissions: readonly Submission[]): Promise<void> {
    return this.store.transaction(async (tx) => {
      await tx.bulk.insertNewJobs(submissions.map((s) => ({ job: s.job, events: [s.event] })));
      await tx.evaluations.insertMany(submissions.map((s) => s.evaluation));
    });
  }
}

function isUnavailable(error: unknown): boolean {
  return isShoalError(error) && error.code === ErrorCode.Unavailable;
}
