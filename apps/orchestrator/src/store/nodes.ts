import { type Nanos, type NodeInfo, type NodeState, ShoalError } from '@shoal/models';
import { and, eq, sql } from 'drizzle-orm';
import type { Handle } from './db.js';
import { afterToken, checkLimit, keysetAfter, keysetOrder, toPage } from './keyset.js';
import { findByIdOrPrefix } from './lookup.js';
import { nodesKeyset } from './node-orders.js';
import { nodes } from './schema.js';
import { selectorSql } from './selector-sql.js';
import type { NodeRepo } from './types.js';

const COMPONENT = 'NodeStore';
type NodeRow = typeof nodes.$inferSelect;

export function nodeRepo({ db }: Handle): NodeRepo {
  /** Applies a change to one node and returns it; NotFound when there is no such node. */
  async function change(id: string, set: Partial<typeof nodes.$inferInsert>, now: Nanos): Promise<NodeState> {
    const [row] = await db
      .update(nodes)
      .set({ ...set, revision: sql`${nodes.revision} + 1`, modifyTime: now })
      .where(eq(nodes.id, id))
      .returning();
    if (!row) throw ShoalError.notFound('node', id, COMPONENT);
    return rowToNode(row);
  }

  return {
    async upsert(node, now) {
      const { Info } = node;
      const reported = { nodeType: Info.NodeType, labels: Info.Labels, info: Info, lastHeartbeat: now };
      const [row] = await db
        .insert(nodes)
        .values({
          id: Info.NodeID,
          ...reported,
          membership: node.Membership,
          connection: node.Connection,
          revision: 1,
          createTime: now,
          modifyTime: now,
        })
        .onConflictDoUpdate({
          target: nodes.id,
          // Membership is the operator's decision: a reconnecting node cannot approve itself.
          set: {
            ...reported,
            connection: node.Connection,
            revision: sql`${nodes.revision} + 1`,
            modifyTime: now,
          },
        })
        .returning();
      if (!row) throw new Error(`upsert of node ${Info.NodeID} returned no row`);
      return rowToNode(row);
    },

    async get(idOrPrefix) {
      const row = await findByIdOrPrefix(
        {
          what: 'node',
          component: COMPONENT,
          idColumn: nodes.id,
          idOf: (r: NodeRow) => r.id,
          fetch: (where, limit) => db.select().from(nodes).where(where).limit(limit),
        },
        idOrPrefix,
      );
      return rowToNode(row);
    },

    async list(query) {
      const keyset = nodesKeyset(query);
      const limit = checkLimit(query.limit);
      const rows = await db
        .select()
        .from(nodes)
        .where(
          and(
            selectorSql(nodes.labels, query.selector),
            query.membership ? eq(nodes.membership, query.membership) : undefined,
            query.connection ? eq(nodes.connection, query.connection) : undefined,
            keysetAfter(keyset, afterToken(keyset, query.nextToken)),
          ),
        )
        .orderBy(...keysetOrder(keyset))
        .limit(limit + 1);
      return toPage(rows, limit, keyset, rowToNode);
    },

    setMembership: (id, membership, now) => change(id, { membership }, now),
    setConnection: (id, connection, now) => change(id, { connection }, now),

    async delete(id) {
      const deleted = await db.delete(nodes).where(eq(nodes.id, id)).returning({ id: nodes.id });
      if (deleted.length === 0) throw ShoalError.notFound('node', id, COMPONENT);
    },
  };
}

export function rowToNode(row: NodeRow): NodeState {
  return {
    Info: row.info as NodeInfo,
    Membership: row.membership as NodeState['Membership'],
    Connection: row.connection as NodeState['Connection'],
  };
}
