import { makeEnvelope, type OutboxSource, type StreamEnvelope } from '@shoal/protocol';
import type { Outbox, OutboxMessage } from '../store/index.js';

/**
 * The agent's outbox as the protocol's OutboxSource: rows become `.out` envelopes as they are.
 * The envelope id and time are the row's, so a resend after a restart is the same message.
 */
export function outboxSource(outbox: Outbox, nodeId: string): OutboxSource {
  return {
    pending: async (afterSeq, limit) =>
      (await outbox.pending(afterSeq, limit)).map((message) => toEnvelope(message, nodeId)),
    acked: (seq) => outbox.acked(seq),
    lastAcked: () => outbox.lastAcked(),
  };
}

export function toEnvelope(message: OutboxMessage, nodeId: string): StreamEnvelope {
  // The agent's report schemas mirror the protocol's payloads field for field (messages.ts), and
  // encodeMessage validates every envelope again before it leaves.
  return makeEnvelope(message.type, message.payload, {
    id: message.id,
    nodeId,
    time: message.createdAt,
    seq: message.seq,
  }) as StreamEnvelope;
}
