import { ErrorCode, type Job, ShoalError } from '@shoal/models';
import { and, asc, eq, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { atomically, type Handle } from './db.js';
import { executionToRow, rowToExecution } from './executions.js';
import { historyToRow } from './history.js';
import { jobToRow, rowToJob } from './jobs.js';
import { insertRows, recordset } from './recordset.js';
import { evaluations, executions, jobHistory, jobs } from './schema.js';
import type { BulkRepo, ExecutionSave, JobSave } from './types.js';

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
      return rows.map((row) => ({ ...rowToExecution(row), partition: row.partition }));
    },

    async findExecutions(ids) {
      if (ids.length === 0) return [];
      const rows = await db.select().from(executions).where(inList(executions.id, ids));
      return rows.map((row) => ({ ...rowToExecution(row), partition: row.partition }));
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

    async insertExecutions(list) {
      await insertRows(db, executions, list.map(executionToRow));
    },

    async saveExecutions(list) {
      if (list.length === 0) return;
      const values = recordset(list.map(executionValues), EXECUTION_COLUMNS);
      const saved = await db
        .update(executions)
        .set({
          desiredState: sql`v.desired_state`,
          desiredMessage: sql`v.desired_message`,
          computeState: sql`v.compute_state`,
          computeMessage: sql`v.compute_message`,
          runOutput: sql`v.run_output`,
          publishedResult: sql`v.published_result`,
          nextExecution: sql`v.next_execution`,
          followupEvalId: sql`v.followup_eval_id`,
          revision: sql`v.revision`,
          modifyTime: sql`v.modify_time`,
        })
        .from(values)
        .where(and(eq(executions.id, sql`v.id`), eq(executions.revision, sql`v.expected`)))
        .returning({ id: executions.id });
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
      await atomically(handle, async (tx) => {
        await insertRows(tx, jobs, rows);
        await insertRows(tx, jobHistory, history);
      });
    },

    async insertHistory(rows) {
      await insertRows(
        db,
        jobHistory,
        rows.map((r) => historyToRow(r.jobId, r.seq, r.event)),
      );
    },

    async saveJobs(list) {
      if (list.length === 0) return;
      const values = recordset(list.map(jobValues), JOB_COLUMNS);
      const saved = await db
        .update(jobs)
        .set({
          state: sql`v.state`,
          stateMessage: sql`v.state_message`,
          revision: sql`v.revision`,
          modifyTime: sql`v.modify_time`,
          historySeq: sql`v.history_seq`,
        })
        .from(values)
        .where(and(eq(jobs.id, sql`v.id`), eq(jobs.revision, sql`v.expected`)))
        .returning({ id: jobs.id });
      assertAllSaved(
        'job',
        list.map((s) => s.id),
        saved,
      );
    },
  };
}

const EXECUTION_COLUMNS =
  'id text, expected int, desired_state int, desired_message text, compute_state int, ' +
  'compute_message text, run_output jsonb, published_result jsonb, next_execution text, ' +
  'followup_eval_id text, revision int, modify_time bigint';

const JOB_COLUMNS =
  'id text, expected int, state text, state_message text, revision int, modify_time bigint, history_seq int';

function executionValues({ execution: e, expectedRevision }: ExecutionSave) {
  return {
    id: e.ID,
    expected: expectedRevision,
    desired_state: e.DesiredState.StateType,
    desired_message: e.DesiredState.Message,
    compute_state: e.ComputeState.StateType,
    compute_message: e.ComputeState.Message,
    run_output: e.RunOutput,
    published_result: e.PublishedResult,
    next_execution: e.NextExecution,
    followup_eval_id: e.FollowupEvalID,
    revision: e.Revision,
    modify_time: e.ModifyTime,
  };
}

function jobValues(s: JobSave) {
  return {
    id: s.id,
    expected: s.expectedRevision,
    state: s.state.StateType,
    state_message: s.state.Message,
    revision: s.revision,
    modify_time: s.modifyTime,
    history_seq: s.historySeq,
  };
}

/** `column IN (ids)` with the ids as one jsonb array parameter. */
function inList(column: PgColumn, ids: readonly string[]): SQL {
  return sql`${column} = any(array(select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)))`;
}

function assertAllSaved(what: string, ids: readonly string[], saved: ReadonlyArray<{ id: string }>): void {
  if (saved.length === ids.length) return;
  const done = new Set(saved.map((r) => r.id));
  const missed = ids.filter((id) => !done.has(id));
  throw new ShoalError(
    ErrorCode.Conflict,
    `${missed.length} ${what}(s) changed concurrently or vanished: ${missed.slice(0, 5).join(', ')}`,
    { component: 'BulkStore' },
  );
}
