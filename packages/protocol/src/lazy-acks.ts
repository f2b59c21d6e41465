import type { OutboxSource } from './ports.js';

/** How long an acknowledgement may wait in memory before it is written. */
export const ACK_PERSIST_MS = 200;

export interface LazyAckSource extends OutboxSource {
  /** Writes the acknowledgement still held in memory, if any (when the sender stops). */
  flushAcks(): Promise<void>;
}

/**
 * An OutboxSource whose acknowledgements are written at most every `persistMs` instead of each
 * time one arrives. Each write is a transaction of its own (an fsync on the agent, a WAL flush on
 * Postgres), one per window under load. Holding the latest in memory is safe because acks are
 * cumulative: a crash loses at most the last `persistMs` of them, and then the sender resends
 * messages the receiver acks as duplicates without applying them again.
 */
export function lazyAcks(source: OutboxSource, persistMs = ACK_PERSIST_MS): LazyAckSource {
  let held: bigint | undefined;
  let timer: NodeJS.Timeout | undefined;
  const write = async () => {
    timer = undefined;
    const seq = held;
    held = undefined;
    if (seq !== undefined) await source.acked(seq);
  };
  return {
    pending: (afterSeq, limit) => source.pending(afterSeq, limit),
    acked: async (seq) => {
      if (held === undefined || seq > held) held = seq;
      // A failed write is covered by the next one: acknowledgements are cumulative.
      timer ??= setTimeout(() => void write().catch(() => undefined), persistMs).unref();
    },
    lastAcked: async () => {
      const stored = await source.lastAcked();
      return held !== undefined && held > stored ? held : stored;
    },
    flushAcks: () => {
      if (timer) clearTimeout(timer);
      return write();
    },
  };
}
