import type { OutboxSource, SeqTracker, StreamEnvelope } from '@shoal/protocol';

/**
 * A simulated node's two storage ports, in memory: its `.out` outbox and the last seq it applied
 * from `.in`. Nothing survives the process, which is fine: the simulator never restarts a node,
 * it only loses its NATS connection, and that is what the protocol's resends and rewinds cover.
 */

export class SimOutbox implements OutboxSource {
  /** Unacknowledged messages, oldest first. Acknowledged ones are dropped at once, so 10,000 nodes
   * that each report thousands of times keep only what is still in flight. */
  private readonly messages: StreamEnvelope[] = [];
  private nextSeq = 1n;
  private acknowledged = 0n;

  /** Appends with the next seq, gap-free from 1 as the protocol requires. */
  write(make: (seq: bigint) => StreamEnvelope): void {
    this.messages.push(make(this.nextSeq++));
  }

  async pending(afterSeq: bigint, limit: number): Promise<StreamEnvelope[]> {
    const out: StreamEnvelope[] = [];
    for (const message of this.messages) {
      if (message.seq <= afterSeq) continue;
      out.push(message);
      if (out.length === limit) break;
    }
    return out;
  }

  async acked(seq: bigint): Promise<void> {
    if (seq <= this.acknowledged) return;
    this.acknowledged = seq;
    while ((this.messages[0]?.seq ?? seq + 1n) <= seq) this.messages.shift();
  }

  async lastAcked(): Promise<bigint> {
    return this.acknowledged;
  }

  /** The orchestrator has applied more than this outbox ever wrote: number new reports above it. */
  raiseFloor(seq: bigint): void {
    if (seq >= this.nextSeq) this.nextSeq = seq + 1n;
  }
}

export class SimSeqTracker implements SeqTracker<void> {
  last = 0n;

  async lastApplied(): Promise<bigint> {
    return this.last;
  }

  async apply(_peer: string, seq: bigint, fn: () => Promise<void>): Promise<boolean> {
    if (this.last >= seq) return false;
    await fn();
    this.last = seq;
    return true;
  }
}
