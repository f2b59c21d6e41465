import { eq, lt, sql } from 'drizzle-orm';
import type { Handle } from './db.js';
import { agentCursors } from './schema.js';
import type { AgentCursorRepo } from './types.js';

/**
 * The orchestrator's record of the last report applied from each agent. `advance` is one upsert
 * that changes the row only when the stored seq is lower, so two orchestrators delivering the same
 * report race on the row lock and exactly one of them applies it.
 */
export function agentCursorRepo({ db }: Handle): AgentCursorRepo {
  return {
    async lastApplied(nodeId) {
      const [row] = await db
        .select({ seq: agentCursors.lastSeq })
        .from(agentCursors)
        .where(eq(agentCursors.nodeId, nodeId));
      return row?.seq ?? 0n;
    },

    async advance(nodeId, seq, now) {
      const moved = await db
        .insert(agentCursors)
        .values({ nodeId, lastSeq: seq, modifyTime: now })
        .onConflictDoUpdate({
          target: agentCursors.nodeId,
          set: { lastSeq: sql`excluded.last_seq`, modifyTime: sql`excluded.modify_time` },
          setWhere: lt(agentCursors.lastSeq, seq),
        })
        .returning({ nodeId: agentCursors.nodeId });
      return moved.length > 0;
    },
  };
}
