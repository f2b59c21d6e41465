import {
  ACK_PERSIST_MS,
  encodeTrusted,
  type LazyAckSource,
  lazyAcks,
  makeEnvelope,
  type OutboxEnvelope,
  type StreamEnvelope,
} from '@shoal/protocol';
import type { Outbox, OutboxMessage } from '../store/index.js';

/**
 * The agent's outbox as the protocol's OutboxSource: rows become `.out` envelopes as they are.
 * The envelope id and time are the row's, so a resend after a restart is the same message.
 * Acknowledgements are written lazily (lazyAcks): each write is a commit, and with synchronous
 * FULL a commit is an fsync, which under load was a third of the agent's commits.
 */
export function outboxSource(outbox: Outbox, nodeId: string, persistMs = ACK_PERSIST_MS): LazyAckSource {
  return lazyAcks(
    {
      pending: async (afterSeq, limit) =>
        (await outbox.pending(afterSeq, limit)).map((message) => toEnvelope(message, nodeId)),
      acked: (seq) => outbox.acked(seq),
      lastAcked: () => outbox.lastAcked(),
    },
    persistMs,
  );
}

export function toEnvelope(message: OutboxMessage, nodeId: string): OutboxEnvelope {
  // A report is a protocol `.out` payload already, validated when it was appended: it is encoded
  // here without being validated again (the seq may have changed since, so not stored encoded).
  const envelope = makeEnvelope(message.type, message.payload, {
    id: message.id,
    nodeId,
    time: message.createdAt,
    seq: message.seq,
  }) as StreamEnvelope;
  return { ...envelope, encoded: encodeTrusted(envelope) };
}
