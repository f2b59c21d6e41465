import type { AsyncLocalStorage } from 'node:async_hooks';
import type Sqlite from 'better-sqlite3';
import { errorMessage, type Logger, safeLog } from '../logger.js';
import type { AgentDb, Tx } from './database.js';

/** Members run one after another, so one name serves them all. */
const SAVEPOINT = 'group_member';

/** One queued transaction: its fn, the hooks it registers, and the promise its caller awaits. */
export class QueuedTransaction {
  /** True while fn runs: it may add hooks, and a transaction opened from inside it is nested. */
  open = true;
  readonly tx: Tx;
  private result: unknown;
  private readonly commitHooks: Array<() => void> = [];
  private readonly rollbackHooks: Array<() => void> = [];

  constructor(
    db: AgentDb,
    private readonly fn: (tx: Tx) => unknown,
    private readonly resolve: (value: unknown) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.tx = {
      db,
      afterCommit: (hook) => {
        if (!this.open) throw new Error('afterCommit called on a finished transaction');
        this.commitHooks.push(hook);
      },
      onRollback: (hook) => {
        if (!this.open) throw new Error('onRollback called on a finished transaction');
        this.rollbackHooks.push(hook);
      },
    };
  }

  /** Runs fn with this transaction as the current one in its async context. */
  async run(current: AsyncLocalStorage<QueuedTransaction>): Promise<void> {
    try {
      this.result = await current.run(this, () => this.fn(this.tx));
    } finally {
      this.open = false;
    }
  }

  /** Its writes are on disk: only now may the outside world hear of them. */
  committed(logger: Logger): void {
    runHooks(this.commitHooks, 'commit', logger);
    this.resolve(this.result);
  }

  rolledBack(error: unknown, logger: Logger): void {
    this.open = false;
    runHooks([...this.rollbackHooks].reverse(), 'rollback', logger);
    this.reject(error);
  }
}

/**
 * Runs `group` in order inside ONE BEGIN IMMEDIATE … COMMIT, each member inside its own SAVEPOINT:
 * a member that throws loses only its own writes and hooks, the others go on. A failed COMMIT fails
 * every member that kept its writes. Returns the members whose writes were committed, for the
 * caller to tell once they are durable (`QueuedTransaction.committed`), and the members it never
 * started because SQLite dropped the transaction under an earlier one (disk full, I/O error): they
 * did nothing yet, so the caller queues them again.
 */
export async function commitGroup(
  sqlite: Sqlite.Database,
  group: QueuedTransaction[],
  current: AsyncLocalStorage<QueuedTransaction>,
  logger: Logger,
): Promise<{ committed: QueuedTransaction[]; unstarted: QueuedTransaction[] }> {
  try {
    sqlite.exec('BEGIN IMMEDIATE');
  } catch (error) {
    for (const member of group) member.rolledBack(error, logger);
    return { committed: [], unstarted: [] };
  }
  const kept: QueuedTransaction[] = [];
  for (const [index, member] of group.entries()) {
    try {
      sqlite.exec(`SAVEPOINT ${SAVEPOINT}`);
      await member.run(current);
      sqlite.exec(`RELEASE ${SAVEPOINT}`);
      kept.push(member);
    } catch (error) {
      if (undoMember(sqlite)) {
        member.rolledBack(error, logger);
        continue;
      }
      abandon(sqlite, [...kept, member], error, logger);
      return { committed: [], unstarted: group.slice(index + 1) };
    }
  }
  try {
    sqlite.exec('COMMIT');
  } catch (error) {
    abandon(sqlite, kept, error, logger);
    return { committed: [], unstarted: [] };
  }
  return { committed: kept, unstarted: [] };
}

/** Undoes the writes of the member that failed; false when the transaction around it is gone. */
function undoMember(sqlite: Sqlite.Database): boolean {
  if (!sqlite.inTransaction) return false;
  try {
    sqlite.exec(`ROLLBACK TO ${SAVEPOINT}`);
    sqlite.exec(`RELEASE ${SAVEPOINT}`);
    return true;
  } catch {
    return false;
  }
}

/** The whole group is lost: roll back what is left of it and undo its members, last first. */
function abandon(
  sqlite: Sqlite.Database,
  members: QueuedTransaction[],
  error: unknown,
  logger: Logger,
): void {
  try {
    // COMMIT can fail too (disk full); SQLite may already have rolled back by itself.
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
  } catch (rollbackError) {
    safeLog(logger, 'error', { err: errorMessage(rollbackError) }, 'transaction rollback failed');
  }
  for (const member of [...members].reverse()) member.rolledBack(error, logger);
}

/** Hooks run after the outcome is final; one that throws must not hide the others. */
function runHooks(hooks: Array<() => void>, phase: string, logger: Logger): void {
  for (const hook of hooks) {
    try {
      hook();
    } catch (error) {
      safeLog(logger, 'error', { phase, err: errorMessage(error) }, 'transaction hook failed');
    }
  }
}
