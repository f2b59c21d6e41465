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
  const byId = query.orderBy === 'id';
  const id = byLabel ? jobLabels.jobId : jobs.id;
  const createTime = byLabel ? jobLabels.createTime : jobs.createTime;
  return {
    scope: {
      order: `jobs:${query.orderBy}:${query.reverse ? 'desc' : 'asc'}`,
      query: fingerprint(query.namespace, formatSelector(query.selector)),
      kinds: byId ? ['string'] : ['bigint', 'string'],
    },
    columns: byId ? [id] : [createTime, id],
    keyOf: byId ? (row) => [row.id] : (row) => [row.createTime, row.id],
    reverse: query.reverse,
  };
}

/** The selector's first `key=value` requirement, which can drive the page from job_labels. */
function drivingLabel(selector: Selector): { label: Requirement; rest: Selector } | undefined {
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
 * Without a `key=value` requirement the page is a range of a jobs index (namespace, create_time,
 * id or id). With one, the range is read from job_labels instead, in list order, each entry joined
 * to its job: the GIN index on labels would find every job carrying the label and sort them all,
 * and walking the jobs order would pass every job that lacks it — O(jobs) for a rare label either
 * way. The other requirements filter the joined jobs. The same holds on page 1,000 (the keyset
 * bound is part of the range) and for `*` (stored as a namespace of its own).
 */
export function listJobsQuery(db: Db, query: ListJobsQuery) {
  const driving = drivingLabel(query.selector);
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
