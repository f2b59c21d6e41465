import {
  ComputeStateType,
  DesiredStateType,
  ErrorCode,
  type Execution,
  isExecutionOutcome,
  likePrefixPattern,
  ShoalError,
  type SpecConfig,
} from '@shoal/models';
import { and, asc, eq, like, ne, or, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Handle } from './db.js';
import { afterToken, checkLimit, type Keyset, keysetAfter, keysetOrder, toPage } from './keyset.js';
import { findByIdOrPrefix } from './lookup.js';
import { fingerprint, type KeyKind, type KeyValue } from './page-token.js';
import { executions } from './schema.js';
import type { ExecutionRepo, ListExecutionsQuery, StoredExecution } from './types.js';

const COMPONENT = 'ExecutionStore';
type ExecutionRow = typeof executions.$inferSelect;

/** Each order's sort column (the id breaks ties), how it travels in a token, and its row value. */
const ORDERS: Record<
  Exclude<ListExecutionsQuery['orderBy'], 'id'>,
  { column: PgColumn; kind: KeyKind; value: (row: ExecutionRow) => KeyValue }
> = {
  modify_time: { column: executions.modifyTime, kind: 'bigint', value: (row) => row.modifyTime },
  create_time: { column: executions.createTime, kind: 'bigint', value: (row) => row.createTime },
  state: { column: executions.computeState, kind: 'int', value: (row) => row.computeState },
};

function executionsKeyset(jobId: string, query: ListExecutionsQuery): Keyset<ExecutionRow> {
  const scope = {
    order: `executions:${query.orderBy}:${query.reverse ? 'desc' : 'asc'}`,
    query: fingerprint(jobId),
  };
  const { reverse } = query;
  if (query.orderBy === 'id') {
    return {
      scope: { ...scope, kinds: ['string'] },
      columns: [executions.id],
      keyOf: (row) => [row.id],
      reverse,
    };
  }
  const { column, kind, value } = ORDERS[query.orderBy];
  return {
    scope: { ...scope, kinds: [kind, 'string'] },
    columns: [column, executions.id],
    keyOf: (row) => [value(row), row.id],
    reverse,
  };
}

type ResultRow = { id: string; nodeId: string; createTime: bigint; result: SpecConfig };

/** Results in the order their executions were created. */
function resultsKeyset(jobId: string): Keyset<ResultRow> {
  return {
    scope: { order: 'results:create_time:asc', query: fingerprint(jobId), kinds: ['bigint', 'string'] },
    columns: [executions.createTime, executions.id],
    keyOf: (row) => [row.createTime, row.id],
    reverse: false,
  };
}

export function executionRepo({ db }: Handle): ExecutionRepo {
  return {
    async insert(execution) {
      await db.insert(executions).values(executionToRow(execution));
    },

    async get(idOrPrefix) {
      const row = await findByIdOrPrefix(
        {
          what: 'execution',
          component: COMPONENT,
          idColumn: executions.id,
          idOf: (r: ExecutionRow) => r.id,
          fetch: (where, limit) => db.select().from(executions).where(where).limit(limit),
        },
        idOrPrefix,
      );
      return rowToExecution(row);
    },

    async find(id) {
      const [row] = await db.select().from(executions).where(eq(executions.id, id));
      return row ? rowToExecution(row) : undefined;
    },

    async updateCompute(id, expectedRevision, update, now) {
      const [row] = await db
        .update(executions)
        .set({
          computeState: update.state.StateType,
          computeMessage: update.state.Message,
          ...(update.runOutput === undefined ? {} : { runOutput: update.runOutput }),
          ...(update.publishedResult === undefined ? {} : { publishedResult: update.publishedResult }),
          ...(update.retireDesired === undefined
            ? {}
            : { desiredState: DesiredStateType.Stopped, desiredMessage: update.retireDesired }),
          revision: sql`${executions.revision} + 1`,
          modifyTime: now,
        })
        .where(and(eq(executions.id, id), eq(executions.revision, expectedRevision)))
        .returning();
      if (row) return rowToExecution(row);
      const [current] = await db
        .select({ revision: executions.revision })
        .from(executions)
        .where(eq(executions.id, id));
      if (!current) throw ShoalError.notFound('execution', id, COMPONENT);
      throw new ShoalError(
        ErrorCode.Conflict,
        `execution ${id} changed concurrently (revision ${expectedRevision} expected, ${current.revision} found)`,
        { component: COMPONENT },
      );
    },

    async list(jobId, query) {
      const keyset = executionsKeyset(jobId, query);
      const limit = checkLimit(query.limit);
      const rows = await db
        .select()
        .from(executions)
        .where(and(eq(executions.jobId, jobId), keysetAfter(keyset, afterToken(keyset, query.nextToken))))
        .orderBy(...keysetOrder(keyset))
        .limit(limit + 1);
      return toPage(rows, limit, keyset, rowToExecution);
    },

    async idsInJob(jobId, field, query, limit) {
      // A job has few executions: its rows come from the (job_id, …) indexes and are filtered here.
      const column = field === 'id' ? executions.id : executions.nodeId;
      const rows = await db
        .select({ value: column })
        .from(executions)
        .where(
          and(eq(executions.jobId, jobId), or(eq(column, query), like(column, likePrefixPattern(query)))),
        )
        .groupBy(column)
        // `false` sorts first: the exact match, then the prefix matches.
        .orderBy(sql`${column} <> ${query}`, asc(column))
        .limit(checkLimit(limit));
      return rows.map((row) => row.value);
    },

    async listResults(jobId, limit, nextToken) {
      const keyset = resultsKeyset(jobId);
      checkLimit(limit);
      const rows = await db
        .select({
          id: executions.id,
          nodeId: executions.nodeId,
          createTime: executions.createTime,
          result: executions.publishedResult,
        })
        .from(executions)
        .where(
          and(
            eq(executions.jobId, jobId),
            eq(executions.computeState, ComputeStateType.Completed),
            ne(sql`${executions.publishedResult} ->> 'Type'`, ''),
            keysetAfter(keyset, afterToken(keyset, nextToken)),
          ),
        )
        .orderBy(...keysetOrder(keyset))
        .limit(limit + 1);
      return toPage(rows, limit, keyset, (row) => ({
        executionId: row.id,
        nodeId: row.nodeId,
        result: row.result,
      }));
    },
  };
}

export function executionToRow(
  e: Execution & Partial<Pick<StoredExecution, 'partition' | 'outcome' | 'runStartTime'>>,
): typeof executions.$inferInsert {
  return {
    outcome: e.outcome ?? '',
    runStartTime: e.runStartTime ?? null,
    id: e.ID,
    jobId: e.JobID,
    namespace: e.Namespace,
    evalId: e.EvalID,
    name: e.Name,
    nodeId: e.NodeID,
    partition: e.partition ?? 0,
    desiredState: e.DesiredState.StateType,
    desiredMessage: e.DesiredState.Message,
    computeState: e.ComputeState.StateType,
    computeMessage: e.ComputeState.Message,
    allocatedResources: e.AllocatedResources,
    publishedResult: e.PublishedResult,
    runOutput: e.RunOutput,
    previousExecution: e.PreviousExecution,
    nextExecution: e.NextExecution,
    followupEvalId: e.FollowupEvalID,
    revision: e.Revision,
    createTime: e.CreateTime,
    modifyTime: e.ModifyTime,
  };
}

export function rowToStoredExecution(row: ExecutionRow): StoredExecution {
  return {
    ...rowToExecution(row),
    partition: row.partition,
    outcome: isExecutionOutcome(row.outcome) ? row.outcome : '',
    ...(row.runStartTime === null ? {} : { runStartTime: row.runStartTime }),
  };
}

export function rowToExecution(row: ExecutionRow): Execution {
  return {
    ID: row.id,
    Namespace: row.namespace,
    EvalID: row.evalId,
    Name: row.name,
    NodeID: row.nodeId,
    JobID: row.jobId,
    AllocatedResources: row.allocatedResources as Execution['AllocatedResources'],
    DesiredState: { StateType: row.desiredState as DesiredStateType, Message: row.desiredMessage },
    ComputeState: { StateType: row.computeState as ComputeStateType, Message: row.computeMessage },
    PublishedResult: row.publishedResult,
    RunOutput: (row.runOutput ?? null) as Execution['RunOutput'],
    PreviousExecution: row.previousExecution,
    NextExecution: row.nextExecution,
    FollowupEvalID: row.followupEvalId,
    Revision: row.revision,
    CreateTime: row.createTime,
    ModifyTime: row.modifyTime,
  };
}
