import { ErrorCode, type Evaluation, inQueueOrder, ShoalError } from '@shoal/models';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Handle } from './db.js';
import { insertRows, recordset, rowsOf } from './recordset.js';
import { evaluations } from './schema.js';
import type { EvaluationRepo } from './types.js';

const COMPONENT = 'EvaluationStore';
type EvaluationRow = typeof evaluations.$inferSelect;

/**
 * The ids of the first `limit` due, unleased evaluations in claim order (priority, then age), each
 * row locked. Two ranges, one per index, so that a claim reads only what it may take:
 *   - ready now (`wait_until = 0`): the head of evaluations_ready_idx, already in claim order;
 *   - delayed (queue timeouts, retries, timeout checks): evaluations_delayed_idx up to `now`, only
 *     those already due, sorted.
 * One index over every pending row in claim order made a claim walk past the delayed rows not yet
 * due, one per queued job: with 1,600 jobs queued, every claim read about 7,500 index entries.
 * The predicates are written out (not parameters) so that a prepared statement's generic plan
 * still matches the partial indexes. SKIP LOCKED: concurrent claimers pass over the rows another
 * one is taking instead of waiting for them; the lease then keeps them theirs after the statement.
 * Exported for the scale test's EXPLAIN.
 */
export function claimableIds(now: bigint, limit: number, triggers: readonly string[] | undefined) {
  const free = sql`(${evaluations.leaseUntil} < ${now} or ${evaluations.leaseOwner} = '')`;
  const ofTriggers = triggers ? sql` and ${inArray(evaluations.triggeredBy, [...triggers])}` : sql``;
  const order = sql`${evaluations.priority} desc, ${evaluations.createTime}, ${evaluations.id}`;
  const columns = sql`${evaluations.id} as id, ${evaluations.priority} as priority, ${evaluations.createTime} as create_time`;
  // Locking clauses are not allowed in a UNION's branches, but they are in its CTEs.
  return sql`with ready as (
      select ${columns} from ${evaluations}
        where ${evaluations.status} = 'pending' and ${evaluations.waitUntil} = 0 and ${free}${ofTriggers}
        order by ${order} limit ${limit} for update skip locked
    ), delayed as (
      select ${columns} from ${evaluations}
        where ${evaluations.status} = 'pending' and ${evaluations.waitUntil} > 0
          and ${evaluations.waitUntil} <= ${now} and ${free}${ofTriggers}
        order by ${order} limit ${limit} for update skip locked
    )
    select id from (select * from ready union all select * from delayed) as due
      order by priority desc, create_time, id limit ${limit}`;
}

// The claim order (inQueueOrder) is restored after the UPDATE … RETURNING, which has none.
/** postgres.js returns the rows themselves, PGlite a result with `rows`. */
export function evaluationRepo({ db }: Handle): EvaluationRepo {
  const repo: EvaluationRepo = {
    async insert(evaluation) {
      await db.insert(evaluations).values(evaluationToRow(evaluation));
    },

    async insertMany(list) {
      await insertRows(db, evaluations, list.map(evaluationToRow));
    },

    async get(id) {
      const [row] = await db.select().from(evaluations).where(eq(evaluations.id, id));
      if (!row) throw ShoalError.notFound('evaluation', id, COMPONENT);
      return rowToEvaluation(row);
    },

    async claimNext(worker, now, leaseNanos, triggers) {
      const [first] = await repo.claimBatch(worker, now, leaseNanos, 1, triggers);
      return first;
    },

    async claimBatch(worker, now, leaseNanos, limit, triggers) {
      if (triggers?.length === 0 || limit < 1) return [];
      const next = claimableIds(now, limit, triggers);
      // One statement, so the pick and the lease are atomic without an explicit transaction.
      const rows = await db
        .update(evaluations)
        .set({
          leaseOwner: worker,
          leaseUntil: now + leaseNanos,
          revision: sql`${evaluations.revision} + 1`,
        })
        .where(sql`${evaluations.id} in (${next})`)
        .returning();
      return rows.map(rowToEvaluation).sort(inQueueOrder);
    },

    async finishMany(worker, outcomes, now) {
      if (outcomes.length === 0) return;
      const values = recordset(
        outcomes.map((o) => ({ id: o.id, status: o.status, comment: o.comment })),
        'id text, status text, comment text',
      );
      // One statement for the whole batch: the recordset carries each evaluation's own outcome.
      const rows = await db.execute<{ id: string }>(sql`
        update ${evaluations} set
          status = v.status, comment = v.comment, modify_time = ${now},
          lease_owner = '', lease_until = 0, revision = ${evaluations.revision} + 1
        from ${values}
        where ${evaluations.id} = v.id and ${evaluations.leaseOwner} = ${worker}
        returning ${evaluations.id}`);
      const done = new Set(rowsOf<{ id: string }>(rows).map((r) => r.id));
      const lost = outcomes.find((o) => !done.has(o.id));
      if (lost) await repo.finish(lost.id, worker, lost.status, lost.comment, now);
    },

    async finish(id, worker, status, comment, now) {
      const [row] = await db
        .update(evaluations)
        .set({
          status,
          comment,
          modifyTime: now,
          leaseOwner: '',
          leaseUntil: 0n,
          revision: sql`${evaluations.revision} + 1`,
        })
        .where(and(eq(evaluations.id, id), eq(evaluations.leaseOwner, worker)))
        .returning({ id: evaluations.id });
      if (row) return;
      const [current] = await db
        .select({ owner: evaluations.leaseOwner })
        .from(evaluations)
        .where(eq(evaluations.id, id));
      if (!current) throw ShoalError.notFound('evaluation', id, COMPONENT);
      const holder = current.owner === '' ? 'nobody' : current.owner;
      throw new ShoalError(
        ErrorCode.Conflict,
        `evaluation ${id} is not held by ${worker} (held by ${holder})`,
        {
          component: COMPONENT,
        },
      );
    },
  };
  return repo;
}

function evaluationToRow(e: Evaluation): typeof evaluations.$inferInsert {
  return {
    id: e.ID,
    namespace: e.Namespace,
    jobId: e.JobID,
    triggeredBy: e.TriggeredBy,
    priority: e.Priority,
    type: e.Type,
    status: e.Status,
    comment: e.Comment,
    waitUntil: e.WaitUntil,
    createTime: e.CreateTime,
    modifyTime: e.ModifyTime,
  };
}

function rowToEvaluation(row: EvaluationRow): Evaluation {
  return {
    ID: row.id,
    Namespace: row.namespace,
    JobID: row.jobId,
    TriggeredBy: row.triggeredBy as Evaluation['TriggeredBy'],
    Priority: row.priority,
    Type: row.type as Evaluation['Type'],
    Status: row.status as Evaluation['Status'],
    Comment: row.comment,
    WaitUntil: row.waitUntil,
    CreateTime: row.createTime,
    ModifyTime: row.modifyTime,
  };
}
