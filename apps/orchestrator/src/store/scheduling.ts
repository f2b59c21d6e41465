import {
  ComputeStateType as C,
  type DesiredStateType,
  EvaluationTrigger,
  type Execution,
  type Job,
  JobStateType,
  type JobType,
  type Nanos,
  ShoalError,
} from '@shoal/models';
import { and, eq, inArray, lte, notExists, notInArray, or, sql } from 'drizzle-orm';
import type { Handle } from './db.js';
import { rowToExecution } from './executions.js';
import { rowToJob } from './jobs.js';
import { evaluations, executions, jobs } from './schema.js';
import type { SchedulingRepo } from './types.js';

const TERMINAL_JOB_STATES = [JobStateType.Completed, JobStateType.Failed, JobStateType.Stopped];
const TERMINAL = [C.AskForBidRejected, C.BidRejected, C.Completed, C.Failed, C.Cancelled];
const HOLDING = [C.AskForBidAccepted, C.BidAccepted];

/** What the schedulers read and write beyond the API's needs: locked snapshots and desired state. */
export function schedulingRepo({ db }: Handle): SchedulingRepo {
  return {
    async lockJob(id) {
      // NO KEY UPDATE: it excludes every other planner and writer of the job, yet lets other
      // transactions insert rows that reference the job (an evaluation for it), without waiting.
      const [row] = await db.select().from(jobs).where(eq(jobs.id, id)).for('no key update');
      if (!row) throw ShoalError.notFound('job', id, 'JobStore');
      return rowToJob(row) as Job;
    },

    async executionsOfJob(jobId) {
      const rows = await db
        .select()
        .from(executions)
        .where(eq(executions.jobId, jobId))
        .orderBy(executions.createTime, executions.id);
      return rows.map((row) => ({ ...rowToExecution(row), partition: row.partition }));
    },

    async usageByNode() {
      // allocationOf summed per node over the scheduler's isLive executions, in SQL: a batch reads
      // one row per node instead of every live execution of every job.
      const task = sql`t.value`;
      const amount = (key: string) =>
        sql`coalesce(sum(case when jsonb_typeof(${task} -> ${key}) = 'number' then (${task} ->> ${key})::float8 else 0 end), 0)`;
      const rows = await db
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
          or(
            inArray(executions.computeState, HOLDING),
            and(notInArray(executions.computeState, TERMINAL), sql`${executions.desiredState} <> 2`),
          ),
        )
        .groupBy(executions.nodeId);
      return new Map(rows.map((r) => [r.nodeId, { CPU: r.cpu, Memory: r.memory, Disk: r.disk, GPU: r.gpu }]));
    },

    async updateDesired(
      id,
      expectedRevision,
      state: { StateType: DesiredStateType; Message: string },
      now: Nanos,
    ) {
      const [row] = await db
        .update(executions)
        .set({
          desiredState: state.StateType,
          desiredMessage: state.Message,
          revision: sql`${executions.revision} + 1`,
          modifyTime: now,
        })
        .where(and(eq(executions.id, id), eq(executions.revision, expectedRevision)))
        .returning();
      if (row) return rowToExecution(row) as Execution;
      const [current] = await db
        .select({ revision: executions.revision })
        .from(executions)
        .where(eq(executions.id, id));
      if (!current) throw ShoalError.notFound('execution', id, 'ExecutionStore');
      throw new ShoalError(
        'Conflict',
        `execution ${id} changed concurrently (revision ${expectedRevision} expected, ${current.revision} found)`,
        {
          component: 'ExecutionStore',
        },
      );
    },

    async waitingJobs({ daemons }) {
      const due = db
        .select({ id: evaluations.id })
        .from(evaluations)
        .where(
          and(
            eq(evaluations.jobId, jobs.id),
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
      const rows = await db
        .select({ ID: jobs.id, Namespace: jobs.namespace, Type: jobs.type, Priority: jobs.priority })
        .from(jobs)
        .where(and(waiting, notExists(due)))
        .orderBy(jobs.id);
      return rows.map((row) => ({ ...row, Type: row.Type as JobType }));
    },

    async hasDueEvaluation(jobId, now) {
      const [row] = await db
        .select({ id: evaluations.id })
        .from(evaluations)
        .where(
          and(
            eq(evaluations.jobId, jobId),
            eq(evaluations.status, 'pending'),
            lte(evaluations.waitUntil, now),
          ),
        )
        .limit(1);
      return row !== undefined;
    },

    async hasPendingEvaluation(jobId: string, trigger: EvaluationTrigger, waitUntil: Nanos) {
      const [row] = await db
        .select({ id: evaluations.id })
        .from(evaluations)
        .where(
          and(
            eq(evaluations.jobId, jobId),
            eq(evaluations.triggeredBy, trigger),
            eq(evaluations.status, 'pending'),
            eq(evaluations.waitUntil, waitUntil),
          ),
        )
        .limit(1);
      return row !== undefined;
    },
  };
}
