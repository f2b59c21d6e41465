import { ComputeStateType as C, type JobType, NodeConnection } from '@shoal/models';
import { and, asc, eq, lt, notInArray, sql } from 'drizzle-orm';
import type { Handle } from './db.js';
import { rowToNode } from './nodes.js';
import { inList, recordset, rowsOf } from './recordset.js';
import { agentCursors, executions, jobs, nodes } from './schema.js';
import type { NodeRecord, NodeStatusRepo } from './types.js';

type NodeRow = typeof nodes.$inferSelect;

const TERMINAL_COMPUTE = [C.AskForBidRejected, C.BidRejected, C.Completed, C.Failed, C.Cancelled];

/**
 * The node manager's writes to the nodes table: heartbeats, info updates and disconnections. Each
 * is one conditional statement, so the liveness check of one orchestrator and a heartbeat handled by
 * another cannot overwrite each other's decision.
 */
export function nodeStatusRepo({ db }: Handle): NodeStatusRepo {
  const connected = (id: string) => and(eq(nodes.id, id), eq(nodes.connection, NodeConnection.Connected));
  const bump = (now: bigint) => ({ revision: sql`${nodes.revision} + 1`, modifyTime: now });

  return {
    async find(id) {
      const [row] = await db.select().from(nodes).where(eq(nodes.id, id));
      return row ? toRecord(row) : undefined;
    },

    async list() {
      const rows = await db.select().from(nodes).orderBy(asc(nodes.id));
      return rows.map(toRecord);
    },

    async schedRevisions() {
      const rows = await db.select({ id: nodes.id, rev: nodes.schedRevision }).from(nodes);
      return new Map(rows.map((r) => [r.id, r.rev]));
    },

    async findMany(ids) {
      if (ids.length === 0) return [];
      const rows = await db.select().from(nodes).where(inList(nodes.id, ids));
      return rows.map((row) => ({ ...toRecord(row), schedRevision: row.schedRevision }));
    },

    async heartbeatMany(beats, now) {
      const latest = new Map(beats.map((b) => [b.id, b.report]));
      const rows = [...latest].map(([id, report]) => ({
        id,
        patch: {
          AvailableCapacity: report.AvailableCapacity,
          RunningExecutions: report.RunningExecutions,
          EnqueuedExecutions: report.EnqueuedExecutions,
        },
        healthy: report.Healthy,
        health_reason: report.HealthReason,
      }));
      if (rows.length === 0) return new Map();
      const beat = recordset(rows, 'id text, patch jsonb, healthy boolean, health_reason text');
      // One statement: the update and each node's cursor. The info is merged in SQL rather than
      // read-modify-write, so an UpdateNodeInfo racing it is not undone.
      const result = await db.execute(sql`
        with updated as (
          update ${nodes} n set
            info = jsonb_set(n.info, '{ComputeNodeInfo}', coalesce(n.info -> 'ComputeNodeInfo', '{}'::jsonb) || v.patch),
            healthy = v.healthy, health_reason = v.health_reason, last_heartbeat = ${now.toString()}::bigint,
            revision = n.revision + 1, modify_time = ${now.toString()}::bigint
          from ${beat}
          where n.id = v.id and n.connection = ${NodeConnection.Connected}
          returning n.id)
        select b.id, (u.id is not null) as connected, coalesce(c.last_seq, 0)::text as last_seq
        from jsonb_to_recordset(${JSON.stringify(rows.map((r) => ({ id: r.id })))}::jsonb) as b(id text)
        left join updated u on u.id = b.id
        left join ${agentCursors} c on c.node_id = b.id`);
      const out = new Map<string, { connected: boolean; lastSeqApplied: bigint }>();
      for (const row of rowsOf<{ id: string; connected: boolean; last_seq: string }>(result)) {
        out.set(row.id, { connected: row.connected, lastSeqApplied: BigInt(row.last_seq) });
      }
      return out;
    },

    async updateInfo(id, info, now) {
      const [row] = await db
        .update(nodes)
        .set({ info, labels: info.Labels, nodeType: info.NodeType, lastHeartbeat: now, ...bump(now) })
        .where(connected(id))
        .returning();
      return row ? toRecord(row) : undefined;
    },

    async disconnect(id, now, staleBefore) {
      const changed = await db
        .update(nodes)
        .set({ connection: NodeConnection.Disconnected, ...bump(now) })
        .where(
          and(connected(id), staleBefore === undefined ? undefined : lt(nodes.lastHeartbeat, staleBefore)),
        )
        .returning({ id: nodes.id });
      return changed.length > 0;
    },

    async listStale(before) {
      const rows = await db
        .select({ id: nodes.id })
        .from(nodes)
        .where(and(eq(nodes.connection, NodeConnection.Connected), lt(nodes.lastHeartbeat, before)))
        .orderBy(asc(nodes.id));
      return rows.map((row) => row.id);
    },

    async jobsWithLiveExecutions(nodeId) {
      const rows = await db
        .selectDistinct({ ID: jobs.id, Namespace: jobs.namespace, Type: jobs.type, Priority: jobs.priority })
        .from(executions)
        .innerJoin(jobs, eq(jobs.id, executions.jobId))
        .where(
          // Every unfinished execution, of ended jobs too: on a lost node each must still end.
          and(eq(executions.nodeId, nodeId), notInArray(executions.computeState, TERMINAL_COMPUTE)),
        )
        .orderBy(asc(jobs.id));
      return rows.map((row) => ({ ...row, Type: row.Type as JobType }));
    },
  };
}

function toRecord(row: NodeRow): NodeRecord {
  return {
    state: rowToNode(row),
    healthy: row.healthy,
    healthReason: row.healthReason,
    lastHeartbeat: row.lastHeartbeat,
  };
}
