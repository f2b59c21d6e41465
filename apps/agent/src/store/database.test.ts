import { join } from 'node:path';
import { manualClock } from '@shoal/models';
import { makeTempDir, type TempDir } from '@shoal/testkit';
import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../logger.js';
import { testUuid } from '../testing/fixtures.js';
import { TransactionRunner, type Tx } from './database.js';
import { openAgentStore } from './open.js';
import * as schema from './schema.js';

/** A promise the test opens by hand: "fn has started", "fn may go on". */
function latch() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

let dir: TempDir;
let sqlite: Database.Database;
let runner: TransactionRunner;

/**
 * The runner over a real WAL + FULL file, with the statements it sends to `exec` recorded;
 * `durable` stands in for the store's WAL fsync where a test must hold it or fail it.
 */
function open(durable?: () => Promise<void>) {
  sqlite = new Database(join(dir.path, 'runner.db'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  // Deferred: an orphan fails the COMMIT itself, which is how these tests make a COMMIT fail.
  sqlite.pragma('foreign_keys = ON');
  sqlite.exec(`CREATE TABLE IF NOT EXISTS parent (id TEXT PRIMARY KEY);
    CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL,
      parent TEXT REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)`);
  const exec = vi.spyOn(sqlite, 'exec');
  runner = new TransactionRunner(sqlite, drizzle({ client: sqlite, schema }), silentLogger, durable);
  return { count: (statement: string) => exec.mock.calls.filter(([s]) => s === statement).length };
}

const put = (tx: Tx, k: string, parent: string | null = null) =>
  tx.db.run(sql`INSERT INTO kv (k, v, parent) VALUES (${k}, ${`v-${k}`}, ${parent})`);
const keys = (tx: Tx) => tx.db.all<{ k: string }>(sql`SELECT k FROM kv ORDER BY k`).map((row) => row.k);

/** What a fresh connection reads from the file: only what was committed. */
function keysOnDisk(): string[] {
  const reader = new Database(join(dir.path, 'runner.db'), { readonly: true });
  try {
    return reader
      .prepare<[], { k: string }>('SELECT k FROM kv ORDER BY k')
      .all()
      .map((row) => row.k);
  } finally {
    reader.close();
  }
}

/** Starts a transaction that holds the runner until `release.open()`. */
async function holdRunner(key: string) {
  const started = latch();
  const release = latch();
  const held = runner.transaction(async (tx) => {
    put(tx, key);
    started.open();
    await release.opened;
  });
  await started.opened;
  return { held, release: release.open };
}

beforeEach(async () => {
  dir = await makeTempDir('shoal-agent-runner-');
});

afterEach(async () => {
  vi.restoreAllMocks();
  await runner?.close().catch(() => {});
  if (sqlite?.open) sqlite.close();
  await dir.cleanup();
});

describe('group commit', () => {
  it('commits the transactions that queued behind a running one together, durably', async () => {
    const { count } = open();
    const { held, release } = await holdRunner('a');
    const queued = ['b', 'c', 'd', 'e', 'f'].map((k) => runner.transaction((tx) => put(tx, k)));
    release();
    await Promise.all([held, ...queued]);
    expect(count('BEGIN IMMEDIATE')).toBe(2);
    expect(count('COMMIT')).toBe(2); // six transactions, two fsyncs
    await runner.close();
    sqlite.close();
    open();
    expect(await runner.transaction(keys)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('rolls back only the member that throws, with its own hooks and promise', async () => {
    const { count } = open();
    const events: string[] = [];
    const { held, release } = await holdRunner('a');
    const b = runner.transaction((tx) => {
      put(tx, 'b');
      tx.afterCommit(() => events.push('b committed'));
      tx.onRollback(() => events.push('b undone'));
    });
    const c = runner.transaction((tx) => {
      put(tx, 'c');
      tx.afterCommit(() => events.push('c committed'));
      tx.onRollback(() => events.push('c1 undone'));
      tx.onRollback(() => events.push('c2 undone'));
      throw new Error('c fails');
    });
    const d = runner.transaction((tx) => {
      put(tx, 'd');
      tx.afterCommit(() => events.push('d committed'));
      return keys(tx); // after c rolled back: c is not there
    });
    release();
    await expect(c).rejects.toThrow('c fails');
    await Promise.all([held, b]);
    expect(await d).toEqual(['a', 'b', 'd']);
    expect(events).toEqual(['c2 undone', 'c1 undone', 'b committed', 'd committed']);
    expect(count('COMMIT')).toBe(2);
    expect(keysOnDisk()).toEqual(['a', 'b', 'd']);
  });

  it('runs afterCommit hooks only once the group is on disk', async () => {
    open();
    const seen: Array<{ inTransaction: boolean; onDisk: string[] }> = [];
    const { held, release } = await holdRunner('a');
    const queued = ['b', 'c', 'd'].map((k) =>
      runner.transaction((tx) => {
        put(tx, k);
        tx.afterCommit(() => seen.push({ inTransaction: sqlite.inTransaction, onDisk: keysOnDisk() }));
      }),
    );
    release();
    await Promise.all([held, ...queued]);
    // Every hook, even the first member's, ran after the COMMIT that covered the last one.
    expect(seen).toEqual(Array(3).fill({ inTransaction: false, onDisk: ['a', 'b', 'c', 'd'] }));
  });

  it('fails every member when the shared COMMIT fails, undoing them last first', async () => {
    open();
    const events: string[] = [];
    const { held, release } = await holdRunner('a');
    const member = (k: string, parent: string | null) =>
      runner.transaction((tx) => {
        put(tx, k, parent);
        tx.afterCommit(() => events.push(`${k} committed`));
        tx.onRollback(() => events.push(`${k} undone`));
      });
    const group = [member('b', null), member('c', 'missing'), member('d', null)];
    release();
    await held;
    for (const result of await Promise.allSettled(group)) {
      expect(result).toMatchObject({ status: 'rejected', reason: { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' } });
    }
    expect(events).toEqual(['d undone', 'c undone', 'b undone']);
    expect(sqlite.inTransaction).toBe(false);
    expect(keysOnDisk()).toEqual(['a']);
    // The connection is usable again.
    await runner.transaction((tx) => put(tx, 'e'));
    expect(keysOnDisk()).toEqual(['a', 'e']);
  });

  it('when SQLite drops the transaction under a member, fails the group so far and reruns the rest', async () => {
    const { count } = open();
    const events: string[] = [];
    const { held, release } = await holdRunner('a');
    const b = runner.transaction((tx) => {
      put(tx, 'b');
      tx.onRollback(() => events.push('b undone'));
    });
    const c = runner.transaction((tx) => {
      put(tx, 'c');
      tx.onRollback(() => events.push('c undone'));
      // What SQLite does by itself on SQLITE_FULL or SQLITE_IOERR.
      tx.db.run(sql`ROLLBACK`);
      throw new Error('disk full');
    });
    const d = runner.transaction((tx) => {
      put(tx, 'd');
      return keys(tx);
    });
    release();
    await held;
    await expect(b).rejects.toThrow('disk full');
    await expect(c).rejects.toThrow('disk full');
    expect(await d).toEqual(['a', 'd']); // never started in that group: it ran in the next one
    expect(events).toEqual(['c undone', 'b undone']);
    expect(count('COMMIT')).toBe(2);
    expect(keysOnDisk()).toEqual(['a', 'd']);
  });
});

describe('the runner around groups', () => {
  it('close() runs what is queued, then refuses new transactions', async () => {
    open();
    const { held, release } = await holdRunner('a');
    const queued = runner.transaction((tx) => put(tx, 'b'));
    let closed = false;
    const closing = runner.close().then(() => {
      closed = true;
    });
    await expect(runner.transaction((tx) => put(tx, 'late'))).rejects.toThrow('the agent store is closed');
    expect(closed).toBe(false);
    release();
    await closing;
    await Promise.all([held, queued]);
    expect(keysOnDisk()).toEqual(['a', 'b']);
  });

  it('refuses a nested transaction, but not one from a member that finished', async () => {
    open();
    const { held, release } = await holdRunner('a');
    const firstReturned = latch();
    let fromFinished: Promise<string[]> = Promise.resolve([]);
    const first = runner.transaction(async (tx) => {
      put(tx, 'b');
      await expect(runner.transaction(keys)).rejects.toThrow(/nested transaction/);
      // Asked for in this member's async context once it returned, while its group is still open.
      fromFinished = firstReturned.opened.then(() => runner.transaction(keys));
    });
    const second = runner.transaction(async (tx) => {
      put(tx, 'c');
      firstReturned.open();
      await firstReturned.opened;
    });
    release();
    await Promise.all([held, first, second]);
    expect(await fromFinished).toEqual(['a', 'b', 'c']); // queued for the next group, not refused
  });
});

describe('durability after the COMMIT', () => {
  it('tells nobody of a group until it is durable; what queues meanwhile forms the next group', async () => {
    const syncs: Array<ReturnType<typeof latch>> = [];
    const { count } = open(() => {
      const gate = latch();
      syncs.push(gate);
      return gate.opened;
    });
    const events: string[] = [];
    const first = runner.transaction((tx) => {
      put(tx, 'a');
      tx.afterCommit(() => events.push('a heard'));
    });
    first.then(() => events.push('a resolved'));
    await vi.waitFor(() => expect(syncs).toHaveLength(1));
    // Committed to the file, not yet durable: nobody has heard, and later work waits its turn.
    expect(keysOnDisk()).toEqual(['a']);
    const later = ['b', 'c'].map((k) => runner.transaction((tx) => put(tx, k)));
    await Promise.resolve();
    expect(events).toEqual([]);
    syncs[0]?.open();
    await first;
    expect(events).toEqual(['a heard', 'a resolved']);
    await vi.waitFor(() => expect(syncs).toHaveLength(2));
    syncs[1]?.open();
    await Promise.all(later);
    expect(count('COMMIT')).toBe(2); // b and c shared one COMMIT and one fsync
  });

  it('syncs only a group that changed rows', async () => {
    let syncs = 0;
    open(async () => {
      syncs++;
    });
    await runner.transaction((tx) => put(tx, 'a'));
    expect(syncs).toBe(1);
    expect(await runner.transaction(keys)).toEqual(['a']);
    expect(syncs).toBe(1); // a read has nothing to make durable
  });

  it('when a sync fails, fails its group and refuses every transaction after it', async () => {
    open(() => Promise.reject(new Error('EIO: i/o error, fsync')));
    const undone: string[] = [];
    const failed = runner.transaction((tx) => {
      put(tx, 'a');
      tx.onRollback(() => undone.push('a'));
      tx.afterCommit(() => undone.push('a heard'));
    });
    await expect(failed).rejects.toThrow(/could not make its writes durable \(EIO: i\/o error, fsync\)/);
    expect(undone).toEqual(['a']);
    await expect(runner.transaction((tx) => put(tx, 'b'))).rejects.toThrow(
      /could not make its writes durable/,
    );
  });
});

describe('through the agent store', () => {
  it('shares COMMITs among appends asked for in one tick, at most 64 to a group', async () => {
    const clock = manualClock();
    const exec = vi.spyOn(Database.prototype, 'exec');
    const openStore = () =>
      openAgentStore({ dataDir: dir.path, clock, logger: silentLogger, newId: testUuid });
    let store = openStore();
    exec.mockClear(); // the migrations
    const report = (n: number) => ({
      type: 'ExecutionProgress' as const,
      payload: { ExecutionID: `e-${n}`, Message: `m${n}` },
    });
    const seqs = await Promise.all(
      Array.from({ length: 100 }, (_, n) =>
        store.transaction((tx) => store.outbox.append(tx, report(n + 1))),
      ),
    );
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, n) => BigInt(n + 1)));
    expect(exec.mock.calls.filter(([s]) => s === 'COMMIT')).toHaveLength(2);
    await store.close();
    store = openStore();
    const pending = await store.outbox.pending(0n, 200);
    expect(pending.map((m) => m.payload.ExecutionID)).toEqual(seqs.map((seq) => `e-${seq}`));
    await store.close();
  });
});
