import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';

/** What a file system answers when it cannot sync a directory, as opposed to failing to. */
const DIRECTORY_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EINVAL', 'EPERM', 'EBADF']);

/**
 * Makes what SQLite has committed durable by fsyncing its write-ahead log on libuv's thread pool,
 * off the event loop.
 *
 * Why: with `synchronous = FULL` SQLite fsyncs the WAL inside COMMIT, and better-sqlite3 runs
 * COMMIT on the event loop, so every heartbeat, NATS message and run waits out the disk's flush.
 * With `synchronous = NORMAL` COMMIT only appends to the WAL; the store then calls `sync()` and
 * tells nobody of the commit (promises, afterCommit hooks) until it resolves. The outside world
 * sees the same guarantee as FULL gives: nothing it hears of can be lost on power loss. The WAL is
 * append-only and checksummed, so a later sync covers every earlier commit, and SQLite itself
 * still syncs the WAL before each checkpoint copies it into the database file.
 *
 * The WAL file keeps its inode while the connection is open (a checkpoint resets or truncates it
 * in place), so one descriptor, opened at the first sync, serves for the connection's life. The
 * directory is synced once then too, so that the WAL's own entry survives.
 */
export class WalSync {
  private handle: FileHandle | undefined;

  constructor(private readonly databasePath: string) {}

  async sync(): Promise<void> {
    this.handle ??= await this.openWal();
    await this.handle.sync();
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private async openWal(): Promise<FileHandle> {
    const wal = await open(`${this.databasePath}-wal`, 'r');
    try {
      const directory = await open(dirname(this.databasePath), 'r');
      try {
        await directory.sync();
      } finally {
        await directory.close();
      }
    } catch (error) {
      // Some file systems cannot open or sync a directory; the file's own fsync still counts.
      if (!DIRECTORY_SYNC_UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) {
        await wal.close();
        throw error;
      }
    }
    return wal;
  }
}
