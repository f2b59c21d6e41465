import type { OutboxEnvelope } from './envelope.js';

/**
 * The two ports of ordered at-least-once delivery. The protocol owns the rules (what to send
 * next, what to apply, what to answer); the apps own the storage: the orchestrator implements both
 * on Postgres, the agent on its local store. Both must be durable, or a restart loses or repeats
 * messages.
 */

/**
 * One sender's outbox for one peer and direction (the orchestrator has one per agent; an agent has
 * one). The writer appends in the same transaction as the state change that caused the message
 * (so a crash after commit loses nothing), and calls `Sender.notify()` after the commit.
 *
 * Contract on seq: gap-free from 1 and visible in order. Take it from a per-peer counter updated
 * in the writing transaction (which serialises writers), NOT from a shared Postgres sequence: a
 * sequence leaves holes on rollback, and a later seq can commit before an earlier one, which a
 * reader would take for a lost message.
 */
export interface OutboxSource {
  /** Up to `limit` messages with seq > afterSeq, ascending by seq. */
  pending(afterSeq: bigint, limit: number): Promise<OutboxEnvelope[]>;
  /**
   * Everything ≤ seq was delivered: persist it (monotonically; a lower value changes nothing). The
   * outbox may then prune those messages. Calls are cumulative, so a failed call is covered by
   * the next one.
   */
  acked(seq: bigint): Promise<void>;
  /** The highest seq persisted by `acked`, 0 when none. The sender starts after it. */
  lastAcked(): Promise<bigint>;
}

/**
 * A receiver's record of the last seq it applied from each peer (peer = the envelope's nodeId:
 * the agent for the orchestrator, the agent itself for the agent). `Ctx` is whatever the app's
 * handler needs to write inside the same transaction (a drizzle `tx`, for instance).
 */
export interface SeqTracker<Ctx = void> {
  /** 0 when nothing was applied yet. */
  lastApplied(peer: string): Promise<bigint>;
  /**
   * Atomically: if the stored last-applied seq of `peer` is below `seq`, run `fn` and store `seq`,
   * committing both together, and return true. Otherwise run nothing and return false (another
   * delivery of the same message won a race, e.g. in another orchestrator process).
   *
   * `fn` must only throw for transient failures (the database is down): the sender will retry.
   * A message that is valid but refused by business rules (an illegal transition, an execution of
   * another node) must be handled inside `fn` (logged, maybe recorded) and commit
   * normally, or it would block the stream forever.
   */
  apply(peer: string, seq: bigint, fn: (ctx: Ctx) => Promise<void>): Promise<boolean>;
  /**
   * `apply` for the run `firstSeq..lastSeq` of one peer's messages: atomically, if the stored
   * last-applied seq is below `firstSeq`, run `fn` and store `lastSeq`, committing both together,
   * and return true; otherwise run nothing and return false. The same rules on `fn` hold.
   *
   * Optional: with it (and a `handleRun`), the receiver applies the messages queued for a peer in
   * one transaction instead of one each (group commit), the cheaper the busier the stream.
   */
  applyRun?(
    peer: string,
    firstSeq: bigint,
    lastSeq: bigint,
    fn: (ctx: Ctx) => Promise<void>,
  ): Promise<boolean>;
}
