import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Clock, nanosToIso } from '@shoal/models';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { errorMessage, type Logger, safeLog } from '../logger.js';
import { type AgentDb, TransactionRunner, type Tx } from './database.js';
import { ExecutionRepo } from './executions.js';
import { Outbox } from './outbox.js';
import * as schema from './schema.js';
import { InboundSeqTracker } from './seq-tracker.js';
import { WalSync } from './wal-sync.js';

/** `apps/agent/drizzle`, from `src/store` when run from source and `dist/store` when built. */
const MIGRATIONS = fileURLToPath(new URL('../../drizzle', import.meta.url));

export const DB_FILE = 'agent.db';

export interface OpenAgentStoreOptions {
  dataDir: string;
  clock: Clock;
  logger: Logger;
  /** Outbox message ids (a uuid source). */
  newId: () => string;
  /**
   * FULL (the default): every commit is on disk before anyone hears of it. SQLite runs at NORMAL
   * and the store fsyncs the WAL itself, off the event loop (WalSync), before it resolves the
   * transaction. NORMAL: no fsync at all; it survives a process crash but may lose the last
   * commits on power loss, and the agent tells the orchestrator about a commit (an ack, a report)
   * right after making it: a commit that vanished would desynchronise the two sides. The fsync is
   * paid per commit, not per change: transactions that queue up share one commit (group commit in
   * the runner), commands that arrive together are applied in one, and acknowledgements are
   * written lazily.
   */
  synchronous?: 'FULL' | 'NORMAL';
}

export interface AgentStore {
  readonly path: string;
  /** Where a corrupt database was moved on open, if it was. */
  readonly movedAside: string | undefined;
  readonly executions: ExecutionRepo;
  readonly outbox: Outbox;
  readonly inbound: InboundSeqTracker;
  transaction<T>(fn: (tx: Tx) => T | Promise<T>): Promise<T>;
  /** Waits for queued transactions, then closes the file. */
  close(): Promise<void>;
}

/** Opens (creating if needed) `<dataDir>/agent.db` and brings its schema up to date. */
export function openAgentStore(options: OpenAgentStoreOptions): AgentStore {
  const { dataDir, clock, logger } = options;
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, DB_FILE);
  let movedAside: string | undefined;
  let opened: { sqlite: Database.Database; db: AgentDb };
  try {
    opened = openChecked(path);
  } catch (error) {
    if (!isCorruption(error)) throw error;
    // A corrupt store: keep the evidence, start empty, and let the orchestrator reconcile on handshake.
    movedAside = `${path}.corrupt-${nanosToIso(clock.now()).replace(/:/g, '-')}`;
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(path + suffix)) renameSync(path + suffix, movedAside + suffix);
    }
    safeLog(
      logger,
      'error',
      { path, movedTo: movedAside, err: errorMessage(error) },
      'the agent database is corrupt: moved it aside and started with an empty one; executions it knew are lost to this node',
    );
    opened = openChecked(path);
  }
  const { sqlite, db } = opened;
  const wal = (options.synchronous ?? 'FULL') === 'FULL' ? new WalSync(path) : undefined;
  const runner = new TransactionRunner(sqlite, db, logger, wal && (() => wal.sync()));
  return {
    path,
    movedAside,
    executions: new ExecutionRepo(db, clock),
    outbox: new Outbox(runner, db, clock, options.newId),
    inbound: new InboundSeqTracker(runner, db, clock),
    transaction: (fn) => runner.transaction(fn),
    async close() {
      await runner.close();
      await wal?.close();
      if (sqlite.open) sqlite.close();
    },
  };
}

class CorruptDatabaseError extends Error {
  override readonly name = 'CorruptDatabaseError';
}

function openChecked(path: string): { sqlite: Database.Database; db: AgentDb } {
  const sqlite = new Database(path);
  try {
    // The first statements read the header: a file that is not a database fails here.
    sqlite.pragma('journal_mode = WAL');
    // COMMIT only appends to the WAL; WalSync makes it durable when the caller asked for FULL.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    const check = sqlite.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new CorruptDatabaseError(`quick_check: ${String(check)}`);
    // Every INTEGER as bigint, so nanosecond times and seqs never pass through a double.
    sqlite.defaultSafeIntegers(true);
    const db = drizzle({ client: sqlite, schema });
    migrate(db, { migrationsFolder: MIGRATIONS });
    return { sqlite, db };
  } catch (error) {
    sqlite.close();
    throw error;
  }
}

/** Only damage moves the file aside; a permission or I/O error must stop the agent instead. */
function isCorruption(error: unknown): boolean {
  if (error instanceof CorruptDatabaseError) return true;
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'));
}
