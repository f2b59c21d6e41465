import {
  ErrorCode,
  type Evaluation,
  isTerminalComputeState,
  isTerminalJobState,
  type Job,
  type JobState,
  type Nanos,
  ShoalError,
} from '@shoal/models';
import type { NewHistoryEvent, Repos, StoredExecution as Stored } from '../store/index.js';

type StoredExecution = Stored;

/**
 * A unit of work over many jobs in one transaction: it locks and reads the jobs, their executions
 * and their pending evaluations in three statements, lets plans and reports change them in memory
 * (each change bumps the revision as a stored update would, so history revisions stay exact), and
 * writes everything in a handful of set-based statements at the end. A job seen twice in one batch
 * (two of its evaluations, or a bid and a result) is read once and written once.
 *
 * Compare-and-swap still guards every row: the flush updates a row only if it still has the
 * revision it was read at, which the lock taken at load time should guarantee anyway.
 */
export class JobWorkspace {
  private readonly jobs = new Map<string, { job: Job; read: number; historySeq: number }>();
  private readonly executions = new Map<string, { execution: StoredExecution; read: number | 'new' }>();
  private readonly jobExecutions = new Map<string, string[]>();
  private readonly history = new Map<string, NewHistoryEvent[]>();
  private readonly pending: Array<{ jobId: string; trigger: string; waitUntil: Nanos }> = [];
  private readonly evaluations: Evaluation[] = [];
  private loaded = false;

  /** Locks and reads the jobs (those that exist), once per workspace: lock order is id order. */
  async load(tx: Repos, jobIds: Iterable<string>): Promise<void> {
    if (this.loaded) throw new Error('a workspace loads its jobs once, so it takes their locks in order');
    this.loaded = true;
    const ids = [...new Set(jobIds)].sort();
    for (const { job, historySeq } of await tx.bulk.lockJobs(ids)) {
      this.jobs.set(job.ID, { job, read: job.Revision, historySeq });
    }
    const found = [...this.jobs.keys()];
    const [executions, pending] = await Promise.all([
      tx.bulk.executionsOfJobs(found),
      tx.bulk.pendingEvaluations(found),
    ]);
    for (const e of executions) this.track(e, e.Revision);
    this.pending.push(...pending);
  }

  has(jobId: string): boolean {
    return this.jobs.has(jobId);
  }

  job(id: string): Job {
    const entry = this.jobs.get(id);
    if (!entry) throw ShoalError.notFound('job', id, 'JobStore');
    return entry.job;
  }

  /** The job's executions as they are now in this unit of work, oldest first. */
  executionsOf(jobId: string): StoredExecution[] {
    return (this.jobExecutions.get(jobId) ?? []).map((id) => this.execution(id));
  }

  execution(id: string): StoredExecution {
    const entry = this.executions.get(id);
    if (!entry) throw ShoalError.notFound('execution', id, 'ExecutionStore');
    return entry.execution;
  }

  setJobState(id: string, expectedRevision: number, state: JobState, now: Nanos): Job {
    const entry = this.jobs.get(id);
    if (!entry) throw ShoalError.notFound('job', id, 'JobStore');
    checkRevision('job', id, expectedRevision, entry.job.Revision);
    entry.job = { ...entry.job, State: state, Revision: entry.job.Revision + 1, ModifyTime: now };
    return entry.job;
  }

  addExecution(execution: StoredExecution): void {
    if (!this.jobs.has(execution.JobID)) throw ShoalError.notFound('job', execution.JobID, 'JobStore');
    this.track(execution, 'new');
  }

  /** One stored update's worth of change: the revision moves by one. */
  updateExecution(
    id: string,
    expectedRevision: number,
    change: Partial<StoredExecution>,
    now: Nanos,
  ): StoredExecution {
    const entry = this.executions.get(id);
    if (!entry) throw ShoalError.notFound('execution', id, 'ExecutionStore');
    checkRevision('execution', id, expectedRevision, entry.execution.Revision);
    const revision = entry.execution.Revision + 1;
    entry.execution = { ...entry.execution, ...change, Revision: revision, ModifyTime: now };
    return entry.execution;
  }

  appendHistory(jobId: string, events: readonly NewHistoryEvent[]): void {
    if (!this.jobs.has(jobId)) throw ShoalError.notFound('job', jobId, 'JobStore');
    const list = this.history.get(jobId);
    if (list) list.push(...events);
    else this.history.set(jobId, [...events]);
  }

  addEvaluation(evaluation: Evaluation): void {
    this.evaluations.push(evaluation);
    const { JobID: jobId, TriggeredBy: trigger, WaitUntil: waitUntil } = evaluation;
    this.pending.push({ jobId, trigger, waitUntil });
  }

  /** An unfinished evaluation of the job that is due: it will read whatever this work commits. */
  hasDueEvaluation(jobId: string, now: Nanos): boolean {
    return this.pending.some((p) => p.jobId === jobId && p.waitUntil <= now);
  }

  hasPendingEvaluation(jobId: string, trigger: string, waitUntil: Nanos): boolean {
    return this.pending.some((p) => p.jobId === jobId && p.trigger === trigger && p.waitUntil === waitUntil);
  }

  /**
   * Writes every change: new executions, changed executions and jobs, history, evaluations. The
   * statements do not depend on each other, so they go out together (the driver pipelines them in
   * one write) and the transaction waits once for all of them.
   */
  async flush(tx: Repos): Promise<void> {
    const inserted: StoredExecution[] = [];
    const saved = [];
    for (const { execution, read } of this.executions.values()) {
      if (read === 'new') inserted.push(execution);
      else if (execution.Revision !== read) saved.push({ execution, expectedRevision: read });
    }
    // History is numbered here: this work holds every job's lock, so nobody else numbers it now.
    const history = [];
    const jobs = [];
    // Jobs that ended here with every execution ended too: their wake-ups set for later (timeout
    // checks, retries) would find nothing to do when due, and would sit in the queue until then.
    // A job whose execution is still out on a node (stopping, or on a node that went away) keeps
    // them: they are what finally settles that execution.
    const ended = new Set<string>();
    let endedAt = 0n;
    for (const { job, read, historySeq } of this.jobs.values()) {
      if (job.Revision !== read && isTerminalJobState(job.State.StateType) && this.allEnded(job.ID)) {
        ended.add(job.ID);
        if (job.ModifyTime > endedAt) endedAt = job.ModifyTime;
      }
      const events = this.history.get(job.ID) ?? [];
      for (const [i, event] of events.entries())
        history.push({ jobId: job.ID, seq: historySeq + i + 1, event });
      if (job.Revision === read && events.length === 0) continue;
      const { State: state, Revision: revision, ModifyTime: modifyTime } = job;
      jobs.push({
        id: job.ID,
        expectedRevision: read,
        revision,
        state,
        modifyTime,
        historySeq: historySeq + events.length,
      });
    }
    await Promise.all([
      tx.bulk.insertExecutions(inserted),
      tx.bulk.saveExecutions(saved),
      tx.bulk.saveJobs(jobs),
      tx.bulk.insertHistory(history),
      tx.evaluations.insertMany(
        this.evaluations.filter((e) => !ended.has(e.JobID) || e.WaitUntil <= endedAt),
      ),
      tx.bulk.cancelLaterEvaluations([...ended], endedAt),
    ]);
  }

  private allEnded(jobId: string): boolean {
    return this.executionsOf(jobId).every((e) => isTerminalComputeState(e.ComputeState.StateType));
  }

  private track(execution: StoredExecution, read: number | 'new'): void {
    this.executions.set(execution.ID, { execution, read });
    const list = this.jobExecutions.get(execution.JobID);
    if (list) list.push(execution.ID);
    else this.jobExecutions.set(execution.JobID, [execution.ID]);
  }
}

function checkRevision(what: string, id: string, expected: number, current: number): void {
  if (expected === current) return;
  throw new ShoalError(
    ErrorCode.Conflict,
    `${what} ${id} changed concurrently (revision ${expected} expected, ${current} found)`,
    { component: 'JobWorkspace' },
  );
}
