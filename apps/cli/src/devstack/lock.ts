import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, ShoalError } from '@shoal/models';

/**
 * One devstack per data directory. A second one would run a second orchestrator on the same
 * PGlite files and the same agent stores, which corrupts both, so it is refused. The lock file
 * names its holder and the holder's children: when a devstack died without cleaning up (SIGKILL,
 * power loss), the next one finds the holder gone, kills the children it left behind, and takes
 * over. Two devstacks taking over the same stale lock at the very same instant are not excluded.
 */

export const LOCK_FILE = 'devstack.lock';

export interface LockFile {
  pid: number;
  startedAt: string;
  children: number[];
}

const isPid = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;

/** The file as written by acquireLock, or undefined (zod is not a dependency of the CLI). */
export function parseLockFile(text: string): LockFile | undefined {
  try {
    const v = JSON.parse(text) as Partial<Record<keyof LockFile, unknown>> | null;
    if (!v || !isPid(v.pid) || typeof v.startedAt !== 'string') return undefined;
    if (!Array.isArray(v.children) || !v.children.every(isPid)) return undefined;
    return { pid: v.pid, startedAt: v.startedAt, children: v.children };
  } catch {
    return undefined;
  }
}

/** What the lock needs from the operating system; tests replace it. */
export interface ProcessTable {
  pid: number;
  isAlive(pid: number): boolean;
  /** The process's command line, or undefined when it cannot be read (not Linux, gone). */
  commandLine(pid: number): string | undefined;
  kill(pid: number): void;
  now(): Date;
}

export const systemProcesses: ProcessTable = {
  pid: process.pid,
  isAlive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      // EPERM: it exists but belongs to someone else.
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  commandLine(pid) {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      return undefined;
    }
  },
  kill(pid) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  },
  now: () => new Date(),
};

export interface DataDirLock {
  readonly path: string;
  /** Set when a dead devstack's lock was taken over: its pid and the leftover children killed. */
  readonly takenOver: { pid: number; killed: number[] } | undefined;
  /** Records the children's pids, so a successor can clean up after a crash of this process. */
  recordChildren(pids: readonly number[]): void;
  /** Removes the lock if it is still ours. Idempotent and synchronous (usable in an exit hook). */
  release(): void;
}

function readLock(path: string): LockFile | undefined {
  try {
    return parseLockFile(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Written beside the lock, then renamed over it: a reader never sees half a file. */
function writeAtomically(path: string, content: LockFile): void {
  const tmp = `${path}.${content.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(content)}\n`);
  renameSync(tmp, path);
}

function createExclusive(path: string, content: LockFile): boolean {
  try {
    writeFileSync(path, `${JSON.stringify(content)}\n`, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

export function acquireLock(dataDir: string, os: ProcessTable = systemProcesses): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  const mine: LockFile = { pid: os.pid, startedAt: os.now().toISOString(), children: [] };
  let takenOver: DataDirLock['takenOver'];
  if (!createExclusive(path, mine)) {
    const holder = readLock(path);
    if (holder && isDevstack(holder.pid, os)) throw busy(dataDir, holder);
    // The holder is gone (or the file is unreadable): its children may still run.
    const killed = (holder?.children ?? []).filter((pid) => isOurChild(pid, dataDir, os));
    for (const pid of killed) os.kill(pid);
    takenOver = { pid: holder?.pid ?? 0, killed };
    rmSync(path, { force: true });
    if (!createExclusive(path, mine)) {
      const winner = readLock(path);
      throw busy(dataDir, winner ?? mine);
    }
  }
  let held = true;
  return {
    path,
    takenOver,
    recordChildren(pids) {
      if (held) writeAtomically(path, { ...mine, children: [...pids] });
    },
    release() {
      if (!held) return;
      held = false;
      if (readLock(path)?.pid === os.pid) rmSync(path, { force: true });
    },
  };
}

/** Alive and, where the command line can be read, a devstack: a reused pid is not a holder. */
function isDevstack(pid: number, os: ProcessTable): boolean {
  if (!os.isAlive(pid)) return false;
  const cmd = os.commandLine(pid);
  return cmd === undefined || cmd.includes('devstack');
}

/** A child of a devstack on this data dir has the directory on its command line. */
function isOurChild(pid: number, dataDir: string, os: ProcessTable): boolean {
  return os.isAlive(pid) && (os.commandLine(pid) ?? '').includes(dataDir);
}

function busy(dataDir: string, holder: LockFile): ShoalError {
  return new ShoalError(
    ErrorCode.Conflict,
    `${dataDir} is in use by another devstack (pid ${holder.pid}, started ${holder.startedAt})`,
    {
      component: 'Devstack',
      retryable: false,
      hint: 'stop that devstack first (Ctrl-C), or give this one its own --data-dir',
    },
  );
}
