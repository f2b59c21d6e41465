import { ErrorCode, type Evaluation, ShoalError } from '@shoal/models';
import { and, asc, desc, eq, inArray, lt, lte, or, sql } from 'drizzle-orm';
import type { Handle } from './db.js';
import { evaluations } from './schema.js';
import type { EvaluationRepo } from './types.js';

const COMPONENT = 'EvaluationStore';
type EvaluationRow = typeof evaluations.$inferSelect;
const PENDING = 'pending';

export function evaluationRepo({ db }: Handle): EvaluationRepo {
  return {
    async insert(evaluation) {
      await db.insert(evaluations).values(evaluationToRow(evaluation));
    },

    async get(id) {
      const [row] = await db.select().from(evaluations).where(eq(evaluations.id, id));
      if (!row) throw ShoalError.notFound('evaluation', id, COMPONENT);
      return rowToEvaluation(row);
    },

    async claimNext(worker, now, leaseNanos, triggers) {
      if (triggers?.length === 0) return undefined;
      // SKIP LOCKED: concurrent claimers pass over the row another one is taking instead of
      // waiting for it; the lease then keeps it theirs after that transaction ends.
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
        .limit(1)
        .for('update', { skipLocked: true });
      // One statement, so the pick and the lease are atomic without an explicit transaction.
      const [row] = await db
        .update(evaluations)
        .set({
          leaseOwner: worker,
          leaseUntil: now + leaseNanos,
          revision: sql`${evaluations.revision} + 1`,
        })
        .where(inArray(evaluations.id, next))
        .returning();
      return row ? rowToEvaluation(row) : undefined;
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
