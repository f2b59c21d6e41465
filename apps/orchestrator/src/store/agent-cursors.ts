import { ErrorCode, ShoalError } from '@shoal/models';
import { eq, lt, sql } from 'drizzle-orm';
import type { Handle } from './db.js';
import { agentCursors } from './schema.js';
import type { AgentCursorRepo } from './types.js';

/**
 * The orchestrator's record of the last report applied from each agent. `advance` is one upsert
 * that changes the row only when the stored seq is lower, so two orchestrators delivering the same
 * report race on the row lock and exactly one of them applies it. A run of reports guards on its
 * first seq (`below`), so it races as a whole with any delivery of one of its reports.
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

    async advance(nodeId, seq, now, below = seq) {
      if (below > seq) {
        throw new ShoalError(
          ErrorCode.BadRequest,
          `cursor of ${nodeId}: guard ${below} is above the new seq ${seq}, which could move it back`,
          { component: 'Store', details: { Parameter: 'below' } },
        );
      }
      const moved = await db
        .insert(agentCursors)
        .values({ nodeId, lastSeq: seq, modifyTime: now })
        .onConflictDoUpdate({
          target: agentCursors.nodeId,
          set: { lastSeq: sql`excluded.last_seq`, modifyTime: sql`excluded.modify_time` },
          setWhere: lt(agentCursors.lastSeq, below),
        })
        .returning({ nodeId: agentCursors.nodeId });
      return moved.length > 0;
    },
  };
}
