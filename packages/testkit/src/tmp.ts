/** Temporary directories that are removed by `cleanup()`, or at the latest when the process exits. */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  readonly path: string;
  /** Removes the directory and everything in it. Idempotent. */
  cleanup(): Promise<void>;
}

const live = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const path of live) rmSync(path, { recursive: true, force: true });
  });
}

function track(path: string): TempDir {
  installExitHook();
  live.add(path);
  return {
    path,
    async cleanup() {
      live.delete(path);
      await rm(path, { recursive: true, force: true });
    },
  };
}

/** Creates `$TMPDIR/<prefix>XXXXXX`. */
export async function makeTempDir(prefix = 'shoal-test-'): Promise<TempDir> {
  return track(await mkdtemp(join(tmpdir(), prefix)));
}

/** Synchronous variant, for module scope or constructors. */
export function makeTempDirSync(prefix = 'shoal-test-'): TempDir {
  return track(mkdtempSync(join(tmpdir(), prefix)));
}
