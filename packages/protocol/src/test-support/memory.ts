import type { StreamEnvelope } from '../envelope.js';
import type { Logger } from '../logger.js';
import type { OutboxSource, SeqTracker } from '../ports.js';

/**
 * In-memory implementations of the apps' ports, for the protocol's own tests. Storage is the
 * apps' concern (and tested there against real Postgres and the agent's store); these only have
 * to honour the contracts in ports.ts.
 */

export class MemoryOutbox implements OutboxSource {
  private messages: StreamEnvelope[] = [];
  private nextSeq = 1n;
  private acknowledged = 0n;
  /** Every (afterSeq) the sender asked for, to observe rewinds. */
  readonly reads: bigint[] = [];

  /** Appends with the next seq, as the app's outbox writer would inside its transaction. */
  write(make: (seq: bigint) => StreamEnvelope): StreamEnvelope {
    const envelope = make(this.nextSeq);
    this.nextSeq++;
    this.messages.push(envelope);
    return envelope;
  }

  async pending(afterSeq: bigint, limit: number): Promise<StreamEnvelope[]> {
    this.reads.push(afterSeq);
    return this.messages.filter((m) => m.seq > afterSeq).slice(0, limit);
  }

  async acked(seq: bigint): Promise<void> {
    if (seq > this.acknowledged) this.acknowledged = seq;
  }

  async lastAcked(): Promise<bigint> {
    return this.acknowledged;
  }

  /** Drops acknowledged messages, as a housekeeping job would. */
  prune(): void {
    this.messages = this.messages.filter((m) => m.seq > this.acknowledged);
  }

  get size(): number {
    return this.messages.filter((m) => m.seq > this.acknowledged).length;
  }
}

export class MemorySeqTracker implements SeqTracker<void> {
  private readonly last = new Map<string, bigint>();

  async lastApplied(peer: string): Promise<bigint> {
    return this.last.get(peer) ?? 0n;
  }

  async apply(peer: string, seq: bigint, fn: () => Promise<void>): Promise<boolean> {
    if ((this.last.get(peer) ?? 0n) >= seq) return false;
    await fn();
    this.last.set(peer, seq);
    return true;
  }

  /** Simulates a receiver that lost its state (deleted or restored from an old backup). */
  reset(peer: string, to = 0n): void {
    this.last.set(peer, to);
  }
}

export interface LogRecord {
  level: keyof Logger;
  at: number;
  obj: Record<string, unknown>;
  msg: string | undefined;
}

/** A logger that remembers every line with its time, so tests can assert on retries' spacing. */
export function recordingLogger(): Logger & { records: LogRecord[]; find(msg: string): LogRecord[] } {
  const records: LogRecord[] = [];
  const at = (level: keyof Logger) => (obj: object, msg?: string) => {
    records.push({ level, at: performance.now(), obj: obj as Record<string, unknown>, msg });
  };
  return {
    records,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    find: (msg) => records.filter((r) => r.msg === msg),
  };
}
