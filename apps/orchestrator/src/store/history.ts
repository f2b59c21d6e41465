import {
  type ComputeStateType,
  HistoryEventType,
  isTerminalJobState,
  type JobHistory,
  type JobStateType,
  nanosToIso,
  ShoalError,
} from '@shoal/models';
import { and, asc, eq, gt, gte, inArray, sql } from 'drizzle-orm';
import { atomically, type Handle } from './db.js';
import { checkLimit } from './keyset.js';
import { decodePageToken, encodePageToken, fingerprint, type PageScope } from './page-token.js';
import { jobHistory, jobs } from './schema.js';
import type { HistoryQuery, HistoryRepo, NewHistoryEvent } from './types.js';

const COMPONENT = 'JobStore';
type HistoryRow = typeof jobHistory.$inferSelect;

/** Well under the 65,535 bind parameters a statement may carry (history rows have 12 columns). */
const ROWS_PER_INSERT = 1000;

const LEVEL = { job: HistoryEventType.JobLevel, execution: HistoryEventType.ExecutionLevel } as const;

/** History pages by sequence number; a token also binds the job and the filters. */
function historyScope(jobId: string, query: HistoryQuery): PageScope {
  const named = query.requested ?? query;
  const filters = [
    jobId,
    query.since.toString(),
    query.eventType,
    named.executionId ?? '',
    named.nodeId ?? '',
  ];
  return { order: 'history:seq:asc', query: fingerprint(...filters), kinds: ['int'] };
}

export function historyRepo(handle: Handle): HistoryRepo {
  const { db } = handle;
  const repo: HistoryRepo = {
    async append(jobId, events) {
      await repo.appendMany([{ jobId, events }]);
    },

    async appendMany(entries) {
      const byJob = eventsByJob(entries);
      if (byJob.size === 0) return;
      await atomically(handle, async (tx) => {
        const ids = [...byJob.keys()];
        // Bumping a job's history_seq takes its row lock, which orders concurrent appends: seqs never
        // collide and each call's events are consecutive. An UPDATE … FROM locks rows in whatever
        // order its join yields, so with several jobs the locks are taken first, in id order, as
        // every batch does: two batches then wait for each other instead of deadlocking.
        if (ids.length > 1) {
          await tx
            .select({ id: jobs.id })
            .from(jobs)
            .where(inArray(jobs.id, ids))
            .orderBy(asc(jobs.id))
            .for('no key update');
        }
        const counts = sql.join(
          ids.map((id) => sql`(${id}::text, ${byJob.get(id)?.length ?? 0}::int)`),
          sql`, `,
        );
        const bumped = await tx
          .update(jobs)
          .set({ historySeq: sql`${jobs.historySeq} + v.n` })
          .from(sql`(values ${counts}) as v(id, n)`)
          .where(sql`${jobs.id} = v.id`)
          .returning({ id: jobs.id, last: jobs.historySeq });
        const last = new Map(bumped.map((row) => [row.id, row.last]));
        const missing = ids.find((id) => !last.has(id));
        if (missing !== undefined) throw ShoalError.notFound('job', missing, COMPONENT);
        const rows = ids.flatMap((id) => {
          const events = byJob.get(id) ?? [];
          const first = (last.get(id) ?? 0) - events.length + 1;
          return events.map((event, i) => historyToRow(id, first + i, event));
        });
        for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
          await tx.insert(jobHistory).values(rows.slice(i, i + ROWS_PER_INSERT));
        }
      });
    },

    async list(jobId, query) {
      const scope = historyScope(jobId, query);
      const limit = checkLimit(query.limit);
      const after = query.nextToken ? Number(decodePageToken(query.nextToken, scope)[0]) : 0;
      // The state is read before the events: if the job is terminal now, the event that made it so
      // was committed with that state and is visible to the next query, so "done" never hides it.
      const [job] = await db.select({ state: jobs.state }).from(jobs).where(eq(jobs.id, jobId));
      if (!job) throw ShoalError.notFound('job', jobId, COMPONENT);
      const rows = await db
        .select()
        .from(jobHistory)
        .where(
          and(
            eq(jobHistory.jobId, jobId),
            gt(jobHistory.seq, after),
            query.since > 0n ? gte(jobHistory.time, query.since) : undefined,
            query.eventType === 'all' ? undefined : eq(jobHistory.type, LEVEL[query.eventType]),
            query.executionId ? eq(jobHistory.executionId, query.executionId) : undefined,
            query.nodeId ? eq(jobHistory.nodeId, query.nodeId) : undefined,
          ),
        )
        .orderBy(asc(jobHistory.seq))
        .limit(limit + 1);
      const items = rows.slice(0, limit);
      const last = items.at(-1)?.seq ?? after;
      // While the job can still change, a client polls with the token for what comes next.
      const more = rows.length > limit || !isTerminalJobState(job.state as JobStateType);
      return { items: items.map(rowToHistory), nextToken: more ? encodePageToken(scope, [last]) : '' };
    },
  };
  return repo;
}

/** Each job's events in entry order, jobs in order of first appearance; jobs with none left out. */
function eventsByJob(entries: Parameters<HistoryRepo['appendMany']>[0]): Map<string, NewHistoryEvent[]> {
  const byJob = new Map<string, NewHistoryEvent[]>();
  for (const { jobId, events } of entries) {
    if (events.length === 0) continue;
    const merged = byJob.get(jobId);
    if (merged) merged.push(...events);
    else byJob.set(jobId, [...events]);
  }
  return byJob;
}

export function historyToRow(jobId: string, seq: number, { event, time }: NewHistoryEvent): HistoryRow {
  return {
    jobId,
    seq,
    type: event.Type,
    executionId: event.ExecutionID ?? '',
    nodeId: event.NodeID ?? '',
    jobStatePrevious: event.JobState?.Previous ?? null,
    jobStateNew: event.JobState?.New ?? null,
    executionStatePrevious: event.ExecutionState?.Previous ?? null,
    executionStateNew: event.ExecutionState?.New ?? null,
    newRevision: event.NewRevision,
    comment: event.Comment,
    time,
  };
}

/** NodeID and ExecutionID exist only on execution events; the other level's state is null. */
function rowToHistory(row: HistoryRow): JobHistory {
  const tail = { NewRevision: row.newRevision, Comment: row.comment, Time: nanosToIso(row.time) };
  if (row.type === HistoryEventType.ExecutionLevel) {
    const previous = row.executionStatePrevious;
    const next = row.executionStateNew;
    return {
      Type: HistoryEventType.ExecutionLevel,
      JobID: row.jobId,
      NodeID: row.nodeId,
      ExecutionID: row.executionId,
      JobState: null,
      ExecutionState:
        previous === null || next === null
          ? null
          : { Previous: previous as ComputeStateType, New: next as ComputeStateType },
      ...tail,
    };
  }
  const previous = row.jobStatePrevious;
  const next = row.jobStateNew;
  return {
    Type: HistoryEventType.JobLevel,
    JobID: row.jobId,
    JobState:
      previous === null || next === null
        ? null
        : { Previous: previous as JobStateType, New: next as JobStateType },
    ExecutionState: null,
    ...tail,
  };
}
