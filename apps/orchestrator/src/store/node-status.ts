import { ComputeStateType as C, type JobType, NodeConnection } from '@shoal/models';
import { and, asc, eq, lt, notInArray, sql } from 'drizzle-orm';
import type { Handle } from './db.js';
import { rowToNode } from './nodes.js';
import { executions, jobs, nodes } from './schema.js';
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

    async heartbeat(id, report, now) {
      // Merged in SQL rather than read-modify-write, so an UpdateNodeInfo racing it is not undone.
      const patch = JSON.stringify({
        AvailableCapacity: report.AvailableCapacity,
        RunningExecutions: report.RunningExecutions,
        EnqueuedExecutions: report.EnqueuedExecutions,
      });
      const [row] = await db
        .update(nodes)
        .set({
          info: sql`jsonb_set(${nodes.info}, '{ComputeNodeInfo}', coalesce(${nodes.info} -> 'ComputeNodeInfo', '{}'::jsonb) || ${patch}::jsonb)`,
          healthy: report.Healthy,
          healthReason: report.HealthReason,
          lastHeartbeat: now,
          ...bump(now),
        })
        .where(connected(id))
        .returning();
      return row ? toRecord(row) : undefined;
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
