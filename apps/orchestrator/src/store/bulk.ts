import { ErrorCode, type Job, ShoalError } from '@shoal/models';
import { and, asc, eq, gt } from 'drizzle-orm';
import { atomically, type Handle } from './db.js';
import { executionToRow, rowToStoredExecution } from './executions.js';
import { historyToRow } from './history.js';
import { jobToRow, rowToJob } from './jobs.js';
import { inList, insertRows, updateRows } from './recordset.js';
import { evaluations, executions, jobHistory, jobs } from './schema.js';
import type { BulkRepo } from './types.js';

/**
 * Set-based reads and writes for work done many jobs at a time (an evaluation batch, a run of
 * agent reports): each call is one statement however many rows it covers, because on this
 * hardware a statement's round trip, not the rows it touches, is what placement throughput pays.
 * Updates compare-and-swap on each row's revision like the single-row ones do.
 *
 * Lists travel as one jsonb parameter, so a statement's text does not depend on how many rows it
 * covers: the driver prepares it once, and the server parses and plans it once.
 */
export function bulkRepo(handle: Handle): BulkRepo {
  const { db } = handle;
  return {
    async lockJobs(ids) {
      if (ids.length === 0) return [];
      // In id order: every batch takes job locks in one order, so two batches wait, never deadlock.
      const rows = await db
        .select()
        .from(jobs)
        .where(inList(jobs.id, ids))
        .orderBy(asc(jobs.id))
        .for('no key update');
      return rows.map((row) => ({ job: rowToJob(row) as Job, historySeq: row.historySeq }));
    },

    async executionsOfJobs(jobIds) {
      if (jobIds.length === 0) return [];
      const rows = await db
        .select()
        .from(executions)
        .where(inList(executions.jobId, jobIds))
        .orderBy(executions.createTime, executions.id);
      return rows.map(rowToStoredExecution);
    },

    async findExecutions(ids) {
      if (ids.length === 0) return [];
      const rows = await db.select().from(executions).where(inList(executions.id, ids));
      return rows.map(rowToStoredExecution);
    },

    async pendingEvaluations(jobIds) {
      if (jobIds.length === 0) return [];
      return db
        .select({
          jobId: evaluations.jobId,
          trigger: evaluations.triggeredBy,
          waitUntil: evaluations.waitUntil,
        })
        .from(evaluations)
        .where(and(inList(evaluations.jobId, jobIds), eq(evaluations.status, 'pending')));
    },

    async cancelLaterEvaluations(jobIds, after) {
      if (jobIds.length === 0) return;
      await db
        .update(evaluations)
        .set({ status: 'cancelled', comment: 'the job ended before it was due', modifyTime: after })
        .where(
          and(
            inList(evaluations.jobId, jobIds),
            eq(evaluations.status, 'pending'),
            gt(evaluations.waitUntil, after),
          ),
        );
    },

    async insertExecutions(list) {
      await insertRows(db, executions, list.map(executionToRow));
    },

    async saveExecutions(list) {
      const saved = await updateRows(
        db,
        executions,
        list.map(({ execution: e, expectedRevision }) => ({
          id: e.ID,
          expectedRevision,
          set: {
            outcome: e.outcome ?? '',
            desiredState: e.DesiredState.StateType,
            desiredMessage: e.DesiredState.Message,
            computeState: e.ComputeState.StateType,
            computeMessage: e.ComputeState.Message,
            runOutput: e.RunOutput,
            publishedResult: e.PublishedResult,
            nextExecution: e.NextExecution,
            followupEvalId: e.FollowupEvalID,
            runStartTime: e.runStartTime ?? null,
            revision: e.Revision,
            modifyTime: e.ModifyTime,
          },
        })),
      );
      assertAllSaved(
        'execution',
        list.map((s) => s.execution.ID),
        saved,
      );
    },

    async insertNewJobs(entries) {
      // New jobs: nobody else can be numbering their history, so it starts at 1 right here.
      const history = entries.flatMap(({ job, events }) =>
        events.map((event, i) => historyToRow(job.ID, i + 1, event)),
      );
      const rows = entries.map(({ job, events }) => ({ ...jobToRow(job), historySeq: events.length }));
      // Sent together on the transaction's connection (one round trip). The history refers to its
      // jobs: both calls take the same path to the driver, so the jobs' statement is sent first.
      await atomically(handle, (tx) =>
        Promise.all([insertRows(tx, jobs, rows), insertRows(tx, jobHistory, history)]),
      );
    },

    async insertHistory(rows) {
      await insertRows(
        db,
        jobHistory,
        rows.map((r) => historyToRow(r.jobId, r.seq, r.event)),
      );
    },

    async saveJobs(list) {
      const saved = await updateRows(
        db,
        jobs,
        list.map((j) => ({
          id: j.id,
          expectedRevision: j.expectedRevision,
          set: {
            state: j.state.StateType,
            stateMessage: j.state.Message,
            revision: j.revision,
            modifyTime: j.modifyTime,
            historySeq: j.historySeq,
          },
        })),
      );
      assertAllSaved(
        'job',
        list.map((s) => s.id),
        saved,
      );
    },
  };
}

function assertAllSaved(what: string, ids: readonly string[], saved: readonly string[]): void {
  if (saved.length === ids.length) return;
  const done = new Set(saved);
  const missed = ids.filter((id) => !done.has(id));
  throw new ShoalError(
    ErrorCode.Conflict,
    `${missed.length} ${what}(s) changed concurrently or vanished: ${missed.slice(0, 5).join(', ')}`,
    { component: 'BulkStore' },
  );
}
