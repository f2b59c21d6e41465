import {
  ErrorCode,
  type Evaluation,
  type Execution,
  type Job,
  type JobState,
  type Nanos,
  ShoalError,
} from '@shoal/models';
import type { NewHistoryEvent, Repos } from '../store/index.js';

type StoredExecution = Execution & { partition: number };

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
  private readonly jobs = new Map<string, { job: Job; read: number }>();
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
    for (const job of await tx.bulk.lockJobs(ids)) this.jobs.set(job.ID, { job, read: job.Revision });
    const found = [...this.jobs.keys()];
    for (const e of await tx.bulk.executionsOfJobs(found)) this.track(e, e.Revision);
    this.pending.push(...(await tx.bulk.pendingEvaluations(found)));
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
    change: Partial<Execution>,
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

  /** Writes every change: new executions, changed executions and jobs, history, evaluations. */
  async flush(tx: Repos): Promise<void> {
    const inserted: StoredExecution[] = [];
    const saved = [];
    for (const { execution, read } of this.executions.values()) {
      if (read === 'new') inserted.push(execution);
      else if (execution.Revision !== read) saved.push({ execution, expectedRevision: read });
    }
    await tx.bulk.insertExecutions(inserted);
    await tx.bulk.saveExecutions(saved);
    await tx.bulk.saveJobStates(
      [...this.jobs.values()]
        .filter(({ job, read }) => job.Revision !== read)
        .map(({ job, read }) => ({
          id: job.ID,
          expectedRevision: read,
          revision: job.Revision,
          state: job.State,
          modifyTime: job.ModifyTime,
        })),
    );
    await tx.history.appendMany([...this.history].map(([jobId, events]) => ({ jobId, events })));
    await tx.evaluations.insertMany(this.evaluations);
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
