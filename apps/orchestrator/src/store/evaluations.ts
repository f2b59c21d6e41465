import { ErrorCode, type Evaluation, inQueueOrder, ShoalError } from '@shoal/models';
import { and, asc, desc, eq, inArray, lt, lte, or, sql } from 'drizzle-orm';
import type { Handle } from './db.js';
import { insertRows, recordset, rowsOf } from './recordset.js';
import { evaluations } from './schema.js';
import type { EvaluationRepo } from './types.js';

const COMPONENT = 'EvaluationStore';
type EvaluationRow = typeof evaluations.$inferSelect;
const PENDING = 'pending';

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
      // SKIP LOCKED: concurrent claimers pass over the rows another one is taking instead of
      // waiting for them; the lease then keeps them theirs after that statement ends.
      const next = db
        .select({ id: evaluations.id })
        .from(evaluations)
        .where(
          and(
            eq(evaluations.status, PENDING),
            lte(evaluations.waitUntil, now),
            or(lt(evaluations.leaseUntil, now), eq(evaluations.leaseOwner, '')),
            triggers ? inArray(evaluations.triggeredBy, [...triggers]) : undefined,
          ),
        )
        .orderBy(desc(evaluations.priority), asc(evaluations.createTime), asc(evaluations.id))
        .limit(limit)
        .for('update', { skipLocked: true });
      // One statement, so the pick and the lease are atomic without an explicit transaction.
      const rows = await db
        .update(evaluations)
        .set({
          leaseOwner: worker,
          leaseUntil: now + leaseNanos,
          revision: sql`${evaluations.revision} + 1`,
        })
        .where(inArray(evaluations.id, next))
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
