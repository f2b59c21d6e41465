import { type Capacity, formatSelector } from '@shoal/models';
import { type SQL, sql } from 'drizzle-orm';
import type { Keyset } from './keyset.js';
import { fingerprint } from './page-token.js';
import { nodes } from './schema.js';
import type { ListNodesQuery } from './types.js';

type NodeRow = typeof nodes.$inferSelect;

/**
 * The orders of the node list: Bacalhau's (`id`, `type`, `approval` — which its clients also
 * send as `status` — and the four `available_*`) and Shoal's `create_time`. Ties are broken by
 * id, so every order is total and pages by keyset.
 */
export const NODE_ORDERS = [
  'id',
  'create_time',
  'type',
  'approval',
  'available_cpu',
  'available_memory',
  'available_disk',
  'available_gpu',
] as const;
export type NodeOrder = (typeof NODE_ORDERS)[number];

const CAPACITY: Record<Extract<NodeOrder, `available_${string}`>, keyof Capacity> = {
  available_cpu: 'CPU',
  available_memory: 'Memory',
  available_disk: 'Disk',
  available_gpu: 'GPU',
};

/**
 * An available capacity as a sort key: negated, so the most available comes first (as Bacalhau's
 * list puts it) while the id still breaks ties upwards, in one row comparison. A node that reports
 * no compute info (an orchestrator) has none of it. The key is read from the stored NodeInfo,
 * which every heartbeat rewrites: each page is ordered by the capacity as stored when that page
 * is read, and the next starts after the last node's capacity as it was then. A node whose
 * capacity changed between two pages may so be listed twice or not at all; the others keep their
 * places. There is no index: nodes are few, and a page sorts them all in SQL.
 */
function capacityKey(resource: keyof Capacity): { sql: SQL; of: (row: NodeRow) => number } {
  const path = `{ComputeNodeInfo,AvailableCapacity,${resource}}`;
  return {
    // The path is one of four constants: inlined, so every page's statement is the same.
    sql: sql`(-coalesce((${nodes.info} #>> ${sql.raw(`'${path}'`)})::float8, 0))`,
    of: (row) => {
      const compute = (row.info as { ComputeNodeInfo?: { AvailableCapacity?: Capacity } }).ComputeNodeInfo;
      // `0 -` rather than `-`: a negated 0 is -0, which the token would carry as 0 anyway.
      return 0 - (compute?.AvailableCapacity?.[resource] ?? 0);
    },
  };
}

export function nodesKeyset(query: ListNodesQuery): Keyset<NodeRow> {
  const scope = {
    order: `nodes:${query.orderBy}:${query.reverse ? 'desc' : 'asc'}`,
    query: fingerprint(formatSelector(query.selector), query.membership ?? '', query.connection ?? ''),
  };
  const { reverse } = query;
  switch (query.orderBy) {
    case 'id':
      return {
        scope: { ...scope, kinds: ['string'] },
        columns: [nodes.id],
        keyOf: (row) => [row.id],
        reverse,
      };
    case 'create_time':
      return {
        scope: { ...scope, kinds: ['bigint', 'string'] },
        columns: [nodes.createTime, nodes.id],
        keyOf: (row) => [row.createTime, row.id],
        reverse,
      };
    case 'type':
      return {
        scope: { ...scope, kinds: ['string', 'string'] },
        columns: [nodes.nodeType, nodes.id],
        keyOf: (row) => [row.nodeType, row.id],
        reverse,
      };
    case 'approval':
      return {
        scope: { ...scope, kinds: ['string', 'string'] },
        columns: [nodes.membership, nodes.id],
        keyOf: (row) => [row.membership, row.id],
        reverse,
      };
    default: {
      const key = capacityKey(CAPACITY[query.orderBy]);
      return {
        scope: { ...scope, kinds: ['number', 'string'] },
        columns: [key.sql, nodes.id],
        keyOf: (row) => [key.of(row), row.id],
        reverse,
      };
    }
  }
}
