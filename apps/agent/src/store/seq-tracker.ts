import type { Clock } from '@shoal/models';
import { eq } from 'drizzle-orm';
import type { TransactionRunner, Tx } from './database.js';
import { inboundSeq } from './schema.js';

/**
 * The last seq applied from each inbound peer (the protocol's SeqTracker, with the agent's
 * transaction as its context). For the agent the peer is its own node id: the envelopes of the
 * orchestrator's stream to it carry it.
 */
export class InboundSeqTracker {
  constructor(
    private readonly runner: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  /** 0 when nothing was applied yet. */
  lastApplied(peer: string): Promise<bigint> {
    return this.runner.transaction((tx) => read(tx, peer));
  }

  /**
   * Atomically: if the stored seq of `peer` is below `seq`, run `fn` and store `seq` in ONE SQLite
   * transaction and return true; otherwise run nothing and return false. If `fn` throws, nothing it
   * wrote and no seq is kept, and the error propagates (the sender will retry). `fn` must do its
   * writes through the Tx it gets; opening another transaction from inside it would wait forever.
   */
  apply(peer: string, seq: bigint, fn: (tx: Tx) => void | Promise<void>): Promise<boolean> {
    return this.applyRun(peer, seq, seq, fn);
  }

  /**
   * `apply` for a run of consecutive seqs (the Receiver's group apply): if nothing from `firstSeq`
   * on was applied, run `fn` (which applies them all) and store `lastSeq`, in one transaction and so
   * one commit.
   */
  applyRun(
    peer: string,
    firstSeq: bigint,
    lastSeq: bigint,
    fn: (tx: Tx) => void | Promise<void>,
  ): Promise<boolean> {
    const seq = lastSeq;
    return this.runner.transaction(async (tx) => {
      if (read(tx, peer) >= firstSeq) return false;
      await fn(tx);
      const now = this.clock.now();
      tx.db
        .insert(inboundSeq)
        .values({ peer, lastApplied: seq, updatedAt: now })
        .onConflictDoUpdate({ target: inboundSeq.peer, set: { lastApplied: seq, updatedAt: now } })
        .run();
      return true;
    });
  }
}

function read(tx: Tx, peer: string): bigint {
  return tx.db.select().from(inboundSeq).where(eq(inboundSeq.peer, peer)).get()?.lastApplied ?? 0n;
}
