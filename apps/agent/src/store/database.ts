import { AsyncLocalStorage } from 'node:async_hooks';
import type Sqlite from 'better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { errorMessage, type Logger, safeLog } from '../logger.js';
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

/**
 * Runs transactions one at a time on the single SQLite connection.
 *
 * Why not drizzle's `db.transaction`: better-sqlite3 transactions must be synchronous, but the
 * protocol's SeqTracker hands us an async `fn` to commit together with the inbound seq. So a
 * transaction here is BEGIN IMMEDIATE … COMMIT around an awaited `fn`, and an async lock keeps
 * every other transaction — reads included — out until it ends. Without the lock, a read on the
 * same connection would see the uncommitted rows of an open transaction (say an outbox row the
 * sender would then send, and a rollback would reuse its seq).
 */
export class TransactionRunner {
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** The transaction whose `fn` is running in this async context, to catch nesting. */
  private readonly current = new AsyncLocalStorage<{ open: boolean }>();

  constructor(
    private readonly sqlite: Sqlite.Database,
    private readonly db: AgentDb,
    private readonly logger: Logger,
  ) {}

  transaction<T>(fn: (tx: Tx) => T | Promise<T>): Promise<T> {
    // Waiting for the lock from inside the transaction that holds it would hang forever.
    if (this.current.getStore()?.open) {
      return Promise.reject(
        new Error('nested transaction: use the Tx you were given instead of opening another'),
      );
    }
    const run = this.tail.then(() => this.runOne(fn));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Waits for the transactions already queued, then refuses new ones. */
  async close(): Promise<void> {
    const last = this.tail;
    this.closed = true;
    await last;
  }

  private async runOne<T>(fn: (tx: Tx) => T | Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the agent store is closed');
    const commitHooks: Array<() => void> = [];
    const rollbackHooks: Array<() => void> = [];
    const state = { open: true };
    const tx: Tx = {
      db: this.db,
      afterCommit: (hook) => {
        if (!state.open) throw new Error('afterCommit called on a finished transaction');
        commitHooks.push(hook);
      },
      onRollback: (hook) => {
        if (!state.open) throw new Error('onRollback called on a finished transaction');
        rollbackHooks.push(hook);
      },
    };
    this.sqlite.exec('BEGIN IMMEDIATE');
    let result: T;
    try {
      result = await this.current.run(state, () => fn(tx));
      this.sqlite.exec('COMMIT');
    } catch (error) {
      state.open = false;
      // COMMIT can fail too (disk full); SQLite may already have rolled back by itself.
      if (this.sqlite.inTransaction) this.sqlite.exec('ROLLBACK');
      this.runHooks(rollbackHooks.reverse(), 'rollback');
      throw error;
    }
    state.open = false;
    this.runHooks(commitHooks, 'commit');
    return result;
  }

  /** Hooks run after the outcome is final; one that throws must not hide the others. */
  private runHooks(hooks: Array<() => void>, phase: string): void {
    for (const hook of hooks) {
      try {
        hook();
      } catch (error) {
        safeLog(this.logger, 'error', { phase, err: errorMessage(error) }, 'transaction hook failed');
      }
    }
  }
}
