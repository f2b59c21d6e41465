import { ComputeStateType as C, EvaluationTrigger, JobStateType, type JobType } from '@shoal/models';
import { and, asc, desc, eq, inArray, notInArray, or, sql } from 'drizzle-orm';
import type { Handle } from './db.js';
import { evaluations, executions, jobs, UNFINISHED_EXECUTION } from './schema.js';
import type { SchedulingRepo } from './types.js';

const TERMINAL_JOB_STATES = [JobStateType.Completed, JobStateType.Failed, JobStateType.Stopped];
const HOLDING = [C.AskForBidAccepted, C.BidAccepted];
/** The advisory lock key of placement ("shoal" in ASCII, as an int8). */
const PLACEMENT_LOCK = 0x73686f616c;
/** The advisory lock key of queue wake-ups ("shoalw" in ASCII). */
const WAKEUP_LOCK = 0x73686f616c77;

/** Node usage and waiting jobs, for the schedulers (the rest of a snapshot comes from the workspace). */
export function schedulingRepo({ db }: Handle): SchedulingRepo {
  return {
    async lockPlacement() {
      await db.execute(sql`select pg_advisory_xact_lock(${PLACEMENT_LOCK})`);
    },

    async lockWakeups() {
      await db.execute(sql`select pg_advisory_xact_lock(${WAKEUP_LOCK})`);
    },

    async usageByNode() {
      const rows = await usageByNodeQuery(db);
      return new Map(rows.map((r) => [r.nodeId, { CPU: r.cpu, Memory: r.memory, Disk: r.disk, GPU: r.gpu }]));
    },

    async waitingJobs({ daemons, limit }) {
      const query = waitingJobsQuery(db, daemons);
      const rows = limit === undefined ? await query : await query.limit(limit);
      return rows.map((row) => ({ ...row, Type: row.Type as JobType }));
    },
  };
}

/**
 * The jobs waiting for room or nodes with no node-update evaluation due (exported for the scale
 * test's EXPLAIN). NOT IN over the due evaluations' job ids, not NOT EXISTS: right after a burst
 * the table's statistics still say it is nearly empty, and Postgres then planned NOT EXISTS as a
 * nested loop over every pair (5,000 queued jobs × 5,000 pending evaluations: 1.8 s). NOT IN over
 * a subquery becomes a hashed subplan whatever the statistics say: one pass over each side.
 */
export function waitingJobsQuery(db: Handle['db'], daemons: boolean) {
  const due = db
    .select({ jobId: evaluations.jobId })
    .from(evaluations)
    .where(
      and(
        eq(evaluations.status, 'pending'),
        eq(evaluations.triggeredBy, EvaluationTrigger.NodeUpdate),
        eq(evaluations.waitUntil, 0n),
      ),
    );
  const waiting = daemons
    ? or(
        eq(jobs.state, JobStateType.Queued),
        and(eq(jobs.type, 'daemon'), notInArray(jobs.state, TERMINAL_JOB_STATES)),
      )
    : eq(jobs.state, JobStateType.Queued);
  return db
    .select({
      ID: jobs.id,
      Namespace: jobs.namespace,
      Type: jobs.type,
      Priority: jobs.priority,
      CreateTime: jobs.createTime,
    })
    .from(jobs)
    .where(and(waiting, notInArray(jobs.id, due)))
    .orderBy(desc(jobs.priority), asc(jobs.createTime), asc(jobs.id));
}

/**
 * allocationOf summed per node over the scheduler's isLive executions, in SQL: a batch reads one
 * row per node instead of every live execution of every job. `not terminal` comes first in the
 * filter because it is the predicate of the partial index that keeps this read to the executions
 * in flight (exported for the scale test's EXPLAIN).
 */
export function usageByNodeQuery(db: Handle['db']) {
  const task = sql`t.value`;
  const amount = (key: string) =>
    sql`coalesce(sum(case when jsonb_typeof(${task} -> ${key}) = 'number' then (${task} ->> ${key})::float8 else 0 end), 0)`;
  return db
    .select({
      nodeId: executions.nodeId,
      cpu: amount('CPU').mapWith(Number),
      memory: amount('Memory').mapWith(Number),
      disk: amount('Disk').mapWith(Number),
      gpu: amount('GPU').mapWith(Number),
    })
    .from(executions)
    .innerJoin(sql`jsonb_each(${executions.allocatedResources} -> 'Tasks') as t`, sql`true`)
    .where(
      and(
        UNFINISHED_EXECUTION,
        or(inArray(executions.computeState, HOLDING), sql`${executions.desiredState} <> 2`),
      ),
    )
    .groupBy(executions.nodeId);
}
