import { type Clock, decodeJson, encodeJson } from '@shoal/models';
import {
  isMessageType,
  MESSAGE_CHANNEL,
  MESSAGE_SCHEMAS,
  type OutMessageType,
  type Payload,
} from '@shoal/protocol';
import { asc, eq } from 'drizzle-orm';
import type { AgentDb, TransactionRunner, Tx } from './database.js';
import { OutboxStatements } from './outbox-statements.js';
import { outbox, outboxState } from './schema.js';

/**
 * A report to the orchestrator: one of the protocol's `.out` messages, its type and payload without
 * the envelope (the transport adds that when it sends the outbox). A discriminated union, so
 * `switch (report.type)` narrows the payload.
 */
export type Report = { [T in OutMessageType]: { type: T; payload: Payload<T> } }[OutMessageType];

/** One report as the sender sees it; an adapter turns it into a protocol envelope as is. */
export type OutboxMessage = Report & {
  seq: bigint;
  /** Stable across re-sends: the envelope id. */
  id: string;
  executionId: string | null;
  /** When the report was written (the envelope time), Unix nanoseconds. */
  createdAt: bigint;
};

/**
 * The agent's outbox: every report, appended in the transaction that changed the state it reports
 * (so a crash after commit loses nothing, and a rollback leaves no trace), with a seq that is
 * gap-free from 1 and never reused. Its async methods are the protocol's OutboxSource.
 */
export class Outbox {
  private readonly listeners = new Set<() => void>();
  private readonly statements: OutboxStatements;

  /** `db` is the connection `runner` runs on: the statements are prepared on it. */
  constructor(
    private readonly runner: TransactionRunner,
    db: AgentDb,
    private readonly clock: Clock,
    private readonly newId: () => string,
  ) {
    this.statements = new OutboxStatements(db);
  }

  /**
   * Appends inside `tx` and returns the seq. The payload is validated here, at write time: a report
   * the orchestrator would refuse would otherwise block the stream forever.
   */
  append(tx: Tx, report: Report): bigint {
    const payload = MESSAGE_SCHEMAS[report.type].parse(report.payload);
    const state = this.statements.readState();
    const seq = state.lastSeq + 1n;
    this.statements.setLastSeq.run({ lastSeq: seq });
    this.statements.insert.run({
      seq,
      messageId: this.newId(),
      type: report.type,
      executionId: report.payload.ExecutionID,
      payload: encodeJson(payload),
      createdAt: this.clock.now(),
    });
    tx.afterCommit(() => this.emit());
    return seq;
  }

  /** Up to `limit` messages with seq > afterSeq, ascending. Acknowledged ones are pruned already. */
  pending(afterSeq: bigint, limit: number): Promise<OutboxMessage[]> {
    return this.runner.transaction(() => {
      const count = Math.max(0, Math.trunc(limit));
      // A NaN limit used to leave the LIMIT out (drizzle drops one that is not ≥ 0): -1 is SQLite's "none".
      const rows = this.statements.pending.all({ afterSeq, limit: Number.isNaN(count) ? -1 : count });
      return rows.map(toMessage);
    });
  }

  /** Everything ≤ seq was delivered: persist it (monotonic; a lower value changes nothing) and prune. */
  acked(seq: bigint): Promise<void> {
    return this.runner.transaction(() => {
      const state = this.statements.readState();
      // Never beyond what was written: an ack from a confused peer must not hide future messages.
      const upTo = seq > state.lastSeq ? state.lastSeq : seq;
      if (upTo <= state.lastAcked) return;
      this.statements.setLastAcked.run({ lastAcked: upTo });
      this.statements.prune.run({ upTo });
    });
  }

  lastAcked(): Promise<bigint> {
    return this.runner.transaction(() => this.statements.readState().lastAcked);
  }

  /** The highest seq ever written (0 when none). */
  lastSeq(): Promise<bigint> {
    return this.runner.transaction(() => this.statements.readState().lastSeq);
  }

  /**
   * After the local store was lost the orchestrator may already have applied seqs this
   * fresh outbox would reuse, and would drop the new messages as duplicates. The handshake tells us
   * its LastSeqReceived: unsent messages are renumbered, in order, to follow it.
   */
  raiseSeqFloor(peerLastReceived: bigint): Promise<void> {
    return this.runner.transaction((tx) => {
      const state = this.statements.readState();
      if (peerLastReceived <= state.lastSeq) return;
      const unsent = tx.db.select().from(outbox).orderBy(asc(outbox.seq)).all();
      tx.db.delete(outbox).run();
      let seq = peerLastReceived;
      for (const row of unsent) {
        seq += 1n;
        tx.db
          .insert(outbox)
          .values({ ...row, seq })
          .run();
      }
      tx.db
        .update(outboxState)
        .set({ lastSeq: seq, lastAcked: peerLastReceived })
        .where(eq(outboxState.id, 1))
        .run();
      if (unsent.length > 0) tx.afterCommit(() => this.emit());
    });
  }

  /** Called after every commit that appended (wire it to the sender's notify()). Returns an unsubscribe. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

function toMessage(row: typeof outbox.$inferSelect): OutboxMessage {
  if (!isReportType(row.type)) throw new Error(`outbox row ${row.seq} has an unknown type ${row.type}`);
  const payload = MESSAGE_SCHEMAS[row.type].parse(decodeJson(row.payload));
  return {
    type: row.type,
    payload,
    seq: row.seq,
    id: row.messageId,
    executionId: row.executionId,
    createdAt: row.createdAt,
  } as OutboxMessage;
}

function isReportType(value: string): value is OutMessageType {
  return isMessageType(value) && MESSAGE_CHANNEL[value] === 'out';
}
