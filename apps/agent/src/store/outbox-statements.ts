import { asc, eq, gt, lte, sql } from 'drizzle-orm';
import type { AgentDb } from './database.js';
import { setTo } from './prepared.js';
import { outbox, outboxState } from './schema.js';

/** The Outbox's statements, prepared on one connection (see prepared.ts). */
export class OutboxStatements {
  readonly setLastSeq;
  readonly setLastAcked;
  readonly insert;
  /** Up to `limit` rows with seq > `afterSeq`, ascending. */
  readonly pending;
  /** Deletes the rows with seq ≤ `upTo`. */
  readonly prune;
  private readonly selectState;
  private readonly insertState;

  constructor(db: AgentDb) {
    const p = sql.placeholder;
    this.selectState = db.select().from(outboxState).where(eq(outboxState.id, 1)).prepare();
    this.insertState = db.insert(outboxState).values({ id: 1, lastSeq: 0n, lastAcked: 0n }).prepare();
    this.setLastSeq = db
      .update(outboxState)
      .set({ lastSeq: setTo('lastSeq') })
      .where(eq(outboxState.id, 1))
      .prepare();
    this.setLastAcked = db
      .update(outboxState)
      .set({ lastAcked: setTo('lastAcked') })
      .where(eq(outboxState.id, 1))
      .prepare();
    this.insert = db
      .insert(outbox)
      .values({
        seq: p('seq'),
        messageId: p('messageId'),
        type: p('type'),
        executionId: p('executionId'),
        payload: p('payload'),
        createdAt: p('createdAt'),
      })
      .prepare();
    this.pending = db
      .select()
      .from(outbox)
      .where(gt(outbox.seq, p('afterSeq')))
      .orderBy(asc(outbox.seq))
      .limit(p('limit'))
      .prepare();
    this.prune = db
      .delete(outbox)
      .where(lte(outbox.seq, p('upTo')))
      .prepare();
  }

  /** The state row, written with zeros the first time it is read. Inside a transaction. */
  readState(): { lastSeq: bigint; lastAcked: bigint } {
    const row = this.selectState.get();
    if (row) return row;
    this.insertState.run();
    return { lastSeq: 0n, lastAcked: 0n };
  }
}
