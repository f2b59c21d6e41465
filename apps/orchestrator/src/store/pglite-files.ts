import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';

/**
 * How the embedded store is sized. PGlite is Postgres compiled to WebAssembly, and its memory only
 * grows: with Postgres' defaults (128 MB of shared buffers and a first start that runs initdb in
 * the same process) an orchestrator holding a handful of jobs sat above 500 MB. Two changes keep it
 * near 180 MB:
 *
 * - smaller buffers: the data directory is read through the file system, whose page cache holds
 *   what the buffers do not, so a small buffer pool costs little on a store this size;
 * - a new directory is created by a short-lived child process, so initdb's memory is returned to
 *   the system when it exits instead of staying mapped in the orchestrator for its whole life.
 */
export const PGLITE_SETTINGS: readonly string[] = ['shared_buffers = 16MB', 'wal_buffers = 1MB'];

/**
 * How V8 compiles PGlite's WebAssembly (9 MB of Postgres). Process-wide, and read when a module is
 * compiled or tiered up: set before the store's module is.
 *
 * - On one task: V8 otherwise compiles on as many parallel tasks as it likes, each in memory of its
 *   own, much of which stays with the process after. On one task an orchestrator on PGlite held
 *   10–40 MB less, idle and after 10,000 jobs (bench:memory, a few runs each), and opened its store
 *   no slower on two cores.
 * - With the baseline compiler only (Liftoff): each function that runs hot would be compiled again
 *   by the optimizing compiler, whose code and bookkeeping kept about 30 MB more resident for the
 *   life of the process (bench:memory: 162 MB instead of 199 MB at start, 254 instead of 283 after
 *   10,000 jobs). The store's queries spend most of their time in what the optimizer would not
 *   have touched (planning, I/O, the orchestrator's own JavaScript): the orchestrator's CPU over
 *   those 10,000 jobs was 117–127 s either way, within the machine's noise, and a short burst costs
 *   less without the optimizer's compiling.
 */
export function compileWebAssemblyLean(): void {
  setFlagsFromString('--wasm-num-compilation-tasks=1');
  setFlagsFromString('--liftoff-only');
}

const INITDB_SCRIPT = fileURLToPath(new URL('./pglite-initdb.mjs', import.meta.url));
const INITDB_TIMEOUT_MS = 120_000;

/** Whether `dataDir` already holds a Postgres cluster (initdb writes PG_VERSION first). */
export function isInitialised(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION'));
}

/** Runs initdb for `dataDir` in a child process; the caller then opens the directory. */
export async function initialiseInChild(dataDir: string): Promise<void> {
  try {
    await promisify(execFile)(process.execPath, [INITDB_SCRIPT, dataDir, JSON.stringify(PGLITE_SETTINGS)], {
      timeout: INITDB_TIMEOUT_MS,
      maxBuffer: 4 * 1024 * 1024,
    });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`could not create the PGlite directory ${dataDir}${stderr ? `: ${stderr}` : ''}`, {
      cause: error,
    });
  }
}
