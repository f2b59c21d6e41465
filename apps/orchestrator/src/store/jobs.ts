import {
  ErrorCode,
  formatSelector,
  type Job,
  type JobStateType,
  type Requirement,
  type Selector,
  ShoalError,
} from '@shoal/models';
import { and, eq, getTableColumns, like, or, sql } from 'drizzle-orm';
import type { Db, Handle } from './db.js';
import { afterToken, checkLimit, type Keyset, keysetAfter, keysetOrder, toPage } from './keyset.js';
import { findByIdOrPrefix } from './lookup.js';
import { fingerprint } from './page-token.js';
import { jobLabels, jobs } from './schema.js';
import { selectorSql } from './selector-sql.js';
import type { JobRepo, ListJobsQuery } from './types.js';

const COMPONENT = 'JobStore';
type JobRow = typeof jobs.$inferSelect;

/**
 * The keyset of a job list. When a label drives the page (see listJobsQuery) the order columns
 * are job_labels' copies of create_time and id, so the bound and ORDER BY fall on its index; the
 * values, and so the page tokens, are the same either way.
 */
function jobsKeyset(query: ListJobsQuery, byLabel: boolean): Keyset<JobRow> {
  const scope = {
    order: `jobs:${query.orderBy}:${query.reverse ? 'desc' : 'asc'}`,
    query: fingerprint(query.namespace, formatSelector(query.selector)),
  };
  const id = byLabel ? jobLabels.jobId : jobs.id;
  const { reverse } = query;
  switch (query.orderBy) {
    case 'id':
      return { scope: { ...scope, kinds: ['string'] }, columns: [id], keyOf: (row) => [row.id], reverse };
    case 'create_time':
      return {
        scope: { ...scope, kinds: ['bigint', 'string'] },
        columns: [byLabel ? jobLabels.createTime : jobs.createTime, id],
        keyOf: (row) => [row.createTime, row.id],
        reverse,
      };
    case 'modify_time':
      return {
        scope: { ...scope, kinds: ['bigint', 'string'] },
        columns: [jobs.modifyTime, jobs.id],
        keyOf: (row) => [row.modifyTime, row.id],
        reverse,
      };
  }
}

/**
 * The selector's first `key=value` requirement, which can drive the page from job_labels. Not by
 * modify time: job_labels copies create_time only, since a job's labels never change but its
 * modify time does with every state, and keeping a copy current would rewrite each label row on
 * every transition. Such a page takes the plain plan instead, the selector filtering the walk of
 * jobs_modify_idx (or jobs_namespace_modify_idx): correct, but for a rare label it reads the jobs
 * that lack it too (O(jobs passed over) per page), or the planner finds the matches through the
 * GIN index and sorts them (O(matching jobs)), whichever it estimates cheaper.
 */
function drivingLabel(query: ListJobsQuery): { label: Requirement; rest: Selector } | undefined {
  if (query.orderBy === 'modify_time') return undefined;
  const { selector } = query;
  const at = selector.requirements.findIndex(
    (r) => r.op === 'eq' || (r.op === 'in' && r.values.length === 1),
  );
  const label = selector.requirements[at];
  if (!label) return undefined;
  return { label, rest: { requirements: selector.requirements.filter((_, i) => i !== at) } };
}

/**
 * The SQL of one page: filters, selector and keyset bound in the WHERE clause, `limit + 1` rows.
 * Exported so the scale test can EXPLAIN exactly what `list` runs.
 *
 * Without a `key=value` requirement the page is a range of a jobs index (namespace, create_time or
 * modify_time, id or id). With one (and an order other than modify_time), the range is read from job_labels instead, in list order, each entry joined
 * to its job: the GIN index on labels would find every job carrying the label and sort them all,
 * and walking the jobs order would pass every job that lacks it — O(jobs) for a rare label either
 * way. The other requirements filter the joined jobs. The same holds on page 1,000 (the keyset
 * bound is part of the range) and for `*` (stored as a namespace of its own).
 *
 * By modify time a page starts strictly after the last (modify_time, id) returned, so a job that
 * is not modified meanwhile is listed exactly once. A job modified between two pages moves to the
 * newest end: ascending, it may be listed again further on; newest first (reverse), one not yet
 * listed moves before the position reached and is not listed.
 */
export function listJobsQuery(db: Db, query: ListJobsQuery) {
  const driving = drivingLabel(query);
  const keyset = jobsKeyset(query, driving !== undefined);
  const limit = checkLimit(query.limit);
  const after = keysetAfter(keyset, afterToken(keyset, query.nextToken));
  if (!driving) {
    const statement = db
      .select()
      .from(jobs)
      .where(
        and(
          query.namespace === '*' ? undefined : eq(jobs.namespace, query.namespace),
          selectorSql(jobs.labels, query.selector),
          after,
        ),
      )
      .orderBy(...keysetOrder(keyset))
      .limit(limit + 1);
    return { statement, keyset, limit };
  }
  const statement = db
    .select(getTableColumns(jobs))
    .from(jobLabels)
    .innerJoin(jobs, eq(jobs.id, jobLabels.jobId))
    .where(
      and(
        eq(jobLabels.key, driving.label.key),
        eq(jobLabels.value, driving.label.values[0] ?? ''),
        // `*` is stored as a namespace of its own (see jobLabels).
        eq(jobLabels.namespace, query.namespace),
        selectorSql(jobs.labels, driving.rest),
        after,
      ),
    )
    .orderBy(...keysetOrder(keyset))
    .limit(limit + 1);
  return { statement, keyset, limit };
}

/**
 * The hot lookup (`GET /jobs/:id`) as a prepared statement: drizzle builds its SQL once instead of
 * on every request. Only outside transactions, where the handle lives as long as the store.
 */
function preparedLookup(db: Db) {
  return db
    .select()
    .from(jobs)
    .where(or(eq(jobs.id, sql.placeholder('id')), like(jobs.id, sql.placeholder('pattern'))))
    .limit(sql.placeholder('limit'))
    .prepare('shoal_job_lookup');
}

export function jobRepo(handle: Handle): JobRepo {
  const { db, inTransaction } = handle;
  let lookup: ReturnType<typeof preparedLookup> | undefined;
  const fetchCandidates = inTransaction
    ? undefined
    : (id: string, pattern: string, limit: number) => {
        lookup ??= preparedLookup(db);
        return lookup.execute({ id, pattern, limit });
      };
  return {
    async insert(job) {
      await db.insert(jobs).values(jobToRow(job));
    },

    async get(idOrPrefix) {
      const row = await findByIdOrPrefix(
        {
          what: 'job',
          component: COMPONENT,
          idColumn: jobs.id,
          idOf: (r: JobRow) => r.id,
          fetch: (where, limit) => db.select().from(jobs).where(where).limit(limit),
          fetchCandidates,
        },
        idOrPrefix,
      );
      return rowToJob(row);
    },

    async list(query) {
      const { statement, keyset, limit } = listJobsQuery(db, query);
      return toPage(await statement, limit, keyset, rowToJob);
    },

    async updateState(id, expectedRevision, state, now) {
      const [row] = await db
        .update(jobs)
        .set({
          state: state.StateType,
          stateMessage: state.Message,
          revision: sql`${jobs.revision} + 1`,
          modifyTime: now,
        })
        .where(and(eq(jobs.id, id), eq(jobs.revision, expectedRevision)))
        .returning();
      if (row) return rowToJob(row);
      const [current] = await db.select({ revision: jobs.revision }).from(jobs).where(eq(jobs.id, id));
      if (!current) throw ShoalError.notFound('job', id, COMPONENT);
      throw new ShoalError(
        ErrorCode.Conflict,
        `job ${id} changed concurrently (revision ${expectedRevision} expected, ${current.revision} found)`,
        { component: COMPONENT },
      );
    },
  };
}

export function jobToRow(job: Job): typeof jobs.$inferInsert {
  return {
    id: job.ID,
    name: job.Name,
    namespace: job.Namespace,
    type: job.Type,
    priority: job.Priority,
    count: job.Count,
    state: job.State.StateType,
    stateMessage: job.State.Message,
    version: job.Version,
    revision: job.Revision,
    labels: job.Labels,
    meta: job.Meta,
    constraints: job.Constraints,
    tasks: job.Tasks,
    createTime: job.CreateTime,
    modifyTime: job.ModifyTime,
  };
}

export function rowToJob(row: JobRow): Job {
  return {
    ID: row.id,
    Name: row.name,
    Namespace: row.namespace,
    Type: row.type as Job['Type'],
    Priority: row.priority,
    Count: row.count,
    Constraints: row.constraints as Job['Constraints'],
    Meta: row.meta,
    Labels: row.labels,
    Tasks: row.tasks as Job['Tasks'],
    State: { StateType: row.state as JobStateType, Message: row.stateMessage },
    Version: row.version,
    Revision: row.revision,
    CreateTime: row.createTime,
    ModifyTime: row.modifyTime,
  };
}
