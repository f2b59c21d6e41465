import { AsyncLocalStorage } from 'node:async_hooks';
import type Sqlite from 'better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { errorMessage, type Logger, safeLog } from '../logger.js';
import { commitGroup, QueuedTransaction } from './group-commit.js';
import type * as schema from './schema.js';

export type AgentDb = BetterSQLite3Database<typeof schema>;

/**
 * A transaction in progress. Repositories run their (synchronous) statements on `db`; code that
 * must act on the outside world only once the change is durable (start a run, release capacity,
 * wake the sender) registers it with `afterCommit`, and undoes in-memory bookkeeping with
 * `onRollback`, so memory never disagrees with the database.
 */
export interface Tx {
  readonly db: AgentDb;
  afterCommit(fn: () => void): void;
  onRollback(fn: () => void): void;
}

/** At most this many transactions share one COMMIT, so a long queue still commits in steps. */
const MAX_GROUP = 64;

/**
 * Runs the transactions of the single SQLite connection, in the order they were asked for.
 *
 * Why not drizzle's `db.transaction`: better-sqlite3 transactions must be synchronous, but the
 * protocol's SeqTracker hands us an async `fn` to commit together with the inbound seq. So a
 * transaction here is an awaited `fn` inside BEGIN IMMEDIATE … COMMIT, and every other
 * transaction — reads included — waits until that `fn` ends. Without that, a read on the same
 * connection would see the uncommitted rows of an open transaction (say an outbox row the sender
 * would then send, and a rollback would reuse its seq).
 *
 * Group commit: every commit costs an fsync, and under load those fsyncs were most of the agent's
 * time. So the transactions that queued up while a group ran, or while its fsync ran, form the next
 * group: one BEGIN … COMMIT, one fsync, each `fn` in its own SAVEPOINT so one that throws rolls
 * back alone. A later member does see the writes of earlier ones before they are durable, but
 * nobody hears of any of it (promise, afterCommit hook) before the group is durable (`durable`:
 * the WAL's fsync, off the event loop, see WalSync), and if the COMMIT fails the whole group
 * fails: memory never gets ahead of the disk. There is no timer: a lone transaction commits at
 * once.
 *
 * An fsync that fails leaves the disk's state unknown, so the store stops: the group fails, undoing
 * its in-memory bookkeeping, and every later transaction fails with the same error. A restart
 * reads what did reach the disk.
 */
export class TransactionRunner {
  private readonly queue: QueuedTransaction[] = [];
  /** The loop that commits groups until the queue is empty; undefined while idle. */
  private draining: Promise<void> | undefined;
  private closed = false;
  /** Set when an fsync failed: nothing more can be promised durable. */
  private broken: unknown;
  /** Rows changed on the connection since it opened: a group that changed none needs no fsync. */
  private readonly changes: Sqlite.Statement<[], unknown>;
  /** The transaction whose `fn` is running in this async context, to catch nesting. */
  private readonly current = new AsyncLocalStorage<QueuedTransaction>();

  constructor(
    private readonly sqlite: Sqlite.Database,
    private readonly db: AgentDb,
    private readonly logger: Logger,
    /** Makes the last COMMIT durable; none when the file is synced by SQLite, or not at all. */
    private readonly durable?: () => Promise<void>,
  ) {
    this.changes = sqlite.prepare('SELECT total_changes()').pluck();
  }

  transaction<T>(fn: (tx: Tx) => T | Promise<T>): Promise<T> {
    // Waiting for the queue from inside the transaction that holds it would hang forever.
    if (this.current.getStore()?.open) {
      return Promise.reject(
        new Error('nested transaction: use the Tx you were given instead of opening another'),
      );
    }
    if (this.broken !== undefined) return Promise.reject(this.broken);
    if (this.closed) return Promise.reject(new Error('the agent store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push(new QueuedTransaction(this.db, fn, resolve as (value: unknown) => void, reject));
      // Begun in a microtask: fn never runs inside the caller's synchronous code, and what the
      // caller asks for in the same tick joins the same group.
      this.draining ??= Promise.resolve().then(() => this.drain());
    });
  }

  /** Waits for the transactions already queued, then refuses new ones. */
  async close(): Promise<void> {
    this.closed = true;
    await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, MAX_GROUP);
        const before = this.changes.get();
        const { committed, unstarted } = await commitGroup(this.sqlite, group, this.current, this.logger);
        if (committed.length > 0) await this.settle(committed, this.changes.get() !== before);
        this.queue.unshift(...unstarted);
      }
    } finally {
      this.draining = undefined;
    }
  }

  /**
   * Tells the members of a committed group, once it is durable. A group that only read has nothing
   * to sync: what it read was made durable before the group that wrote it was told.
   */
  private async settle(members: QueuedTransaction[], wrote: boolean): Promise<void> {
    try {
      if (this.broken !== undefined) throw this.broken;
      if (wrote) await this.durable?.();
    } catch (error) {
      if (this.broken === undefined) {
        this.broken = new Error(
          `the agent store could not make its writes durable (${errorMessage(error)}): restart the agent`,
          { cause: error },
        );
        safeLog(
          this.logger,
          'error',
          { err: errorMessage(error) },
          'fsync of the agent store failed: the store refuses every transaction from now on',
        );
      }
      for (const member of [...members].reverse()) member.rolledBack(this.broken, this.logger);
      for (const member of this.queue.splice(0)) member.rolledBack(this.broken, this.logger);
      return;
    }
    for (const member of members) member.committed(this.logger);
  }
}
