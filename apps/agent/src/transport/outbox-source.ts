import { makeEnvelope, type OutboxSource, type StreamEnvelope } from '@shoal/protocol';
import type { Outbox, OutboxMessage } from '../store/index.js';

/** How long an acknowledgement may wait in memory before it is written. */
export const ACK_PERSIST_MS = 200;

export interface AgentOutboxSource extends OutboxSource {
  /** Writes the acknowledgement still held in memory, if any (on shutdown). */
  flushAcks(): Promise<void>;
}

/**
 * The agent's outbox as the protocol's OutboxSource: rows become `.out` envelopes as they are.
 * The envelope id and time are the row's, so a resend after a restart is the same message.
 *
 * Acknowledgements are written at most every ACK_PERSIST_MS, not each time one arrives: each write
 * is a commit, and with synchronous FULL a commit is an fsync, which under load was a third of the
 * agent's commits. Losing the latest ones (a crash) only makes the agent resend reports the
 * orchestrator already has, which it acknowledges without applying again.
 */
export function outboxSource(outbox: Outbox, nodeId: string, persistMs = ACK_PERSIST_MS): AgentOutboxSource {
  let held: bigint | undefined;
  let timer: NodeJS.Timeout | undefined;
  const write = async () => {
    timer = undefined;
    const seq = held;
    held = undefined;
    if (seq !== undefined) await outbox.acked(seq);
  };
  return {
    pending: async (afterSeq, limit) =>
      (await outbox.pending(afterSeq, limit)).map((message) => toEnvelope(message, nodeId)),
    acked: async (seq) => {
      if (held === undefined || seq > held) held = seq;
      // A failed write is covered by the next one: acknowledgements are cumulative.
      timer ??= setTimeout(() => void write().catch(() => undefined), persistMs).unref();
    },
    lastAcked: async () => {
      const stored = await outbox.lastAcked();
      return held !== undefined && held > stored ? held : stored;
    },
    flushAcks: () => {
      if (timer) clearTimeout(timer);
      return write();
    },
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
