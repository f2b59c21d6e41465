import { ErrorCode, ShoalError } from '@shoal/models';
import { eq, lt, sql } from 'drizzle-orm';
import type { Handle } from './db.js';
import { recordset, rowsOf } from './recordset.js';
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
      checkGuard(nodeId, seq, below);
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

    async advanceMany(moves, now) {
      if (moves.length === 0) return new Set();
      for (const m of moves) checkGuard(m.nodeId, m.seq, m.below);
      const rows = moves.map((m) => ({
        node_id: m.nodeId,
        seq: m.seq.toString(),
        below: m.below.toString(),
      }));
      const v = recordset(rows, 'node_id text, seq bigint, below bigint');
      // New agents are inserted, known ones moved when their guard holds; a row another
      // transaction inserts meanwhile is neither (its insert wins), so that run counts as lost.
      const result = await db.execute(sql`
        with v as (select * from ${v}),
        inserted as (
          insert into ${agentCursors} (node_id, last_seq, modify_time)
          select node_id, seq, ${now.toString()}::bigint from v
          on conflict (node_id) do nothing
          returning node_id),
        moved as (
          update ${agentCursors} c set last_seq = v.seq, modify_time = ${now.toString()}::bigint
          from v where c.node_id = v.node_id and c.last_seq < v.below
          returning c.node_id)
        select node_id from inserted union all select node_id from moved`);
      return new Set(rowsOf<{ node_id: string }>(result).map((r) => r.node_id));
    },
  };
}

function checkGuard(nodeId: string, seq: bigint, below: bigint): void {
  if (below <= seq) return;
  throw new ShoalError(
    ErrorCode.BadRequest,
    `cursor of ${nodeId}: guard ${below} is above the new seq ${seq}, which could move it back`,
    { component: 'Store', details: { Parameter: 'below' } },
  );
}
