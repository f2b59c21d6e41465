import { ErrorCode, formatSelector, type Job, type JobStateType, ShoalError } from '@shoal/models';
import { and, eq, like, or, sql } from 'drizzle-orm';
import type { Db, Handle } from './db.js';
import { afterToken, checkLimit, type Keyset, keysetAfter, keysetOrder, toPage } from './keyset.js';
import { findByIdOrPrefix } from './lookup.js';
import { fingerprint } from './page-token.js';
import { jobs } from './schema.js';
import { selectorSql } from './selector-sql.js';
import type { JobRepo, ListJobsQuery } from './types.js';

const COMPONENT = 'JobStore';
type JobRow = typeof jobs.$inferSelect;
function jobsKeyset(query: ListJobsQuery): Keyset<JobRow> {
  const byId = query.orderBy === 'id';
  return {
    scope: {
      order: `jobs:${query.orderBy}:${query.reverse ? 'desc' : 'asc'}`,
      query: fingerprint(query.namespace, formatSelector(query.selector)),
      kinds: byId ? ['string'] : ['bigint', 'string'],
    },
    columns: byId ? [jobs.id] : [jobs.createTime, jobs.id],
    keyOf: byId ? (row) => [row.id] : (row) => [row.createTime, row.id],
    reverse: query.reverse,
  };
}

/**
 * The SQL of one page: filters, selector and keyset bound in the WHERE clause, `limit + 1` rows.
 * Exported so the scale test can EXPLAIN exactly what `list` runs.
 */
export function listJobsQuery(db: Db, query: ListJobsQuery) {
  const keyset = jobsKeyset(query);
  const limit = checkLimit(query.limit);
  const where = and(
    query.namespace === '*' ? undefined : eq(jobs.namespace, query.namespace),
    selectorSql(jobs.labels, query.selector),
    keysetAfter(keyset, afterToken(keyset, query.nextToken)),
  );
  const statement = db
    .select()
    .from(jobs)
    .where(where)
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
