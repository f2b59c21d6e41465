import type { OutboxSource, SeqTracker, StreamEnvelope } from '@shoal/protocol';

/** The agent side's storage ports, in memory, for the fake agent of these tests. */

export class MemoryOutbox implements OutboxSource {
  private readonly messages: StreamEnvelope[] = [];
  private acknowledged = 0n;

  /** Appends with the next seq. */
  write(make: (seq: bigint) => StreamEnvelope): StreamEnvelope {
    const envelope = make(BigInt(this.messages.length + 1));
    this.messages.push(envelope);
    return envelope;
  }

  async pending(afterSeq: bigint, limit: number): Promise<StreamEnvelope[]> {
    return this.messages.filter((m) => m.seq > afterSeq).slice(0, limit);
  }

  async acked(seq: bigint): Promise<void> {
    if (seq > this.acknowledged) this.acknowledged = seq;
  }

  async lastAcked(): Promise<bigint> {
    return this.acknowledged;
  }

  get unacknowledged(): number {
    return this.messages.filter((m) => m.seq > this.acknowledged).length;
  }
}

export class MemorySeqTracker implements SeqTracker<void> {
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
