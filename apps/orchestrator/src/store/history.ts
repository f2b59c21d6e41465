import {
  type ComputeStateType,
  HistoryEventType,
  isTerminalJobState,
  type JobHistory,
  type JobStateType,
  nanosToIso,
  ShoalError,
} from '@shoal/models';
import { and, asc, eq, gt, gte, sql } from 'drizzle-orm';
import { atomically, type Handle } from './db.js';
import { checkLimit } from './keyset.js';
import { decodePageToken, encodePageToken, fingerprint, type PageScope } from './page-token.js';
import { jobHistory, jobs } from './schema.js';
import type { HistoryQuery, HistoryRepo, NewHistoryEvent } from './types.js';

const COMPONENT = 'JobStore';
type HistoryRow = typeof jobHistory.$inferSelect;

const LEVEL = { job: HistoryEventType.JobLevel, execution: HistoryEventType.ExecutionLevel } as const;

/** History pages by sequence number; a token also binds the job and the filters. */
function historyScope(jobId: string, query: HistoryQuery): PageScope {
  const filters = [
    jobId,
    query.since.toString(),
    query.eventType,
    query.executionId ?? '',
    query.nodeId ?? '',
  ];
  return { order: 'history:seq:asc', query: fingerprint(...filters), kinds: ['int'] };
}

export function historyRepo(handle: Handle): HistoryRepo {
  const { db } = handle;
  return {
    async append(jobId, events) {
      if (events.length === 0) return;
      await atomically(handle, async (tx) => {
        // Taking the job row's lock orders concurrent appends, so sequence numbers never collide
        // and each batch is consecutive.
        const [job] = await tx
          .update(jobs)
          .set({ historySeq: sql`${jobs.historySeq} + ${events.length}` })
          .where(eq(jobs.id, jobId))
          .returning({ last: jobs.historySeq });
        if (!job) throw ShoalError.notFound('job', jobId, COMPONENT);
        const first = job.last - events.length + 1;
        await tx.insert(jobHistory).values(events.map((event, i) => historyToRow(jobId, first + i, event)));
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
}

function historyToRow(jobId: string, seq: number, { event, time }: NewHistoryEvent): HistoryRow {
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
