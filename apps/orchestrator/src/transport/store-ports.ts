import type { OutboxSource } from '@shoal/protocol';
import type { Store } from '../store/index.js';

/**
 * A node's outbox as the protocol's OutboxSource for its Sender. (The agents' report cursors, the
 * Receiver's SeqTracker, are in report-groups.ts.)
 */

export function outboxSource(store: Store, nodeId: string): OutboxSource {
  return {
    pending: (afterSeq, limit) => store.outbox.pending(nodeId, afterSeq, limit),
    acked: (seq) => store.outbox.acked(nodeId, seq),
    lastAcked: () => store.outbox.lastAcked(nodeId),
  };
}
