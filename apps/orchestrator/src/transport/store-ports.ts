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
 */
export function agentSeqTracker(store: Store, clock: Clock): SeqTracker<Repos> {
  return {
    lastApplied: (peer) => store.agentCursors.lastApplied(peer),
    apply: (peer, seq, fn) =>
      store.transaction(async (tx) => {
        if (!(await tx.agentCursors.advance(peer, seq, clock.now()))) return false;
        await fn(tx);
        return true;
      }),
    applyRun: (peer, firstSeq, lastSeq, fn) =>
      store.transaction(async (tx) => {
        if (!(await tx.agentCursors.advance(peer, lastSeq, clock.now(), firstSeq))) return false;
        await fn(tx);
        return true;
      }),
  };
}
