import type { Clock } from '@shoal/models';
import type { OutboxSource, SeqTracker } from '@shoal/protocol';
import type { Repos, Store } from '../store/index.js';

/**
 * The protocol's two storage ports over the store: a node's outbox as an OutboxSource for its
 * Sender, and the agents' report cursors as the Receiver's SeqTracker.
 */

export function outboxSource(store: Store, nodeId: string): OutboxSource {
  return {
    pending: (afterSeq, limit) => store.outbox.pending(nodeId, afterSeq, limit),
    acked: (seq) => store.outbox.acked(nodeId, seq),
    lastAcked: () => store.outbox.lastAcked(nodeId),
  };
}

/**
 * `apply` runs the handler and the cursor bump in ONE transaction, cursor first: the row lock makes
 * a concurrent delivery of the same report (another orchestrator) wait, then find it applied.
 * `applyRun` does the same for a run of reports, guarded on the run's first seq: if any of them
 * was applied meanwhile, nothing of the run is.
 *
 * What this process applied last is remembered, so a steady stream costs no cursor read. The
 * memory can only be behind the table (cursors only grow, and another orchestrator may move one):
 * then the guarded advance refuses, the entry is forgotten, and the Receiver's re-read sees the
 * table. It is never ahead: it is set only after the commit.
 */
export function agentSeqTracker(store: Store, clock: Clock): SeqTracker<Repos> {
  const applied = new Map<string, bigint>();
  const attempt = async (peer: string, seq: bigint, below: bigint, fn: (tx: Repos) => Promise<void>) => {
    const moved = await store.transaction(async (tx) => {
      if (!(await tx.agentCursors.advance(peer, seq, clock.now(), below))) return false;
      await fn(tx);
      return true;
    });
    if (moved) applied.set(peer, seq);
    else applied.delete(peer);
    return moved;
  };
  return {
    async lastApplied(peer) {
      const known = applied.get(peer);
      if (known !== undefined) return known;
      const stored = await store.agentCursors.lastApplied(peer);
      applied.set(peer, stored);
      return stored;
    },
    apply: (peer, seq, fn) => attempt(peer, seq, seq, fn),
    applyRun: (peer, firstSeq, lastSeq, fn) => attempt(peer, lastSeq, firstSeq, fn),
  };
}
