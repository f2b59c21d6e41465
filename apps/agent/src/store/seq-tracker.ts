import type { Clock } from '@shoal/models';
import { eq, sql } from 'drizzle-orm';
import type { AgentDb, TransactionRunner, Tx } from './database.js';
import { setTo } from './prepared.js';
import { inboundSeq } from './schema.js';

/**
 * The last seq applied from each inbound peer (the protocol's SeqTracker, with the agent's
 * transaction as its context). For the agent the peer is its own node id: the envelopes of the
 * orchestrator's stream to it carry it.
 */
export class InboundSeqTracker {
  private readonly statements: ReturnType<typeof prepare>;

  /** `db` is the connection `runner` runs on: the statements are prepared on it. */
  constructor(
    private readonly runner: TransactionRunner,
    db: AgentDb,
    private readonly clock: Clock,
  ) {
    this.statements = prepare(db);
  }

  /** 0 when nothing was applied yet. */
  lastApplied(peer: string): Promise<bigint> {
    return this.runner.transaction(() => this.read(peer));
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
      if (this.read(peer) >= firstSeq) return false;
      await fn(tx);
      this.statements.upsert.run({ peer, lastApplied: seq, updatedAt: this.clock.now() });
      return true;
    });
  }

  private read(peer: string): bigint {
    return this.statements.read.get({ peer })?.lastApplied ?? 0n;
  }
}

/** Prepared on the store's connection (see prepared.ts). */
function prepare(db: AgentDb) {
  const p = sql.placeholder;
  return {
    read: db
      .select()
      .from(inboundSeq)
      .where(eq(inboundSeq.peer, p('peer')))
      .prepare(),
    upsert: db
      .insert(inboundSeq)
      .values({ peer: p('peer'), lastApplied: p('lastApplied'), updatedAt: p('updatedAt') })
      .onConflictDoUpdate({
        target: inboundSeq.peer,
        set: { lastApplied: setTo('lastApplied'), updatedAt: setTo('updatedAt') },
      })
      .prepare(),
  };
}
