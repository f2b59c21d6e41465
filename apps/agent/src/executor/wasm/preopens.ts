import { copyFile, cp, link, lstat, mkdir, realpath, stat } from 'node:fs/promises';
import { basename, join, posix, sep } from 'node:path';
import type { Task } from '@shoal/models';
import type { StagedInput } from '../../storage/storage.js';

/**
 * The directories a module sees, as node:wasi preopens (guest path → host directory):
 *
 * - each ResultPath at its Path, backed by `<execution dir>/results/<Name>` as the docker engine
 *   binds it, so the local publisher packs what the module wrote, unchanged;
 * - each staged input at its target. A directory is preopened as it is. A file cannot be: WASI
 *   preopens directories, so the files whose targets share a parent are linked (or copied) into one
 *   directory of the execution's own and that directory is preopened at the parent.
 *
 * node:wasi has no read-only preopens: whatever is preopened, the module may write. Fetched inputs
 * live in the execution's directory, so a write changes only this run's copy; a read-only input
 * that lives elsewhere (a host directory) is handed over as a copy for the same reason, without
 * its symlinks (node:wasi follows a link out of a preopen).
 */

const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface Preopens {
  /** Guest path → host directory, for node:wasi. */
  preopens: Record<string, string>;
  /** Result directories to create before the run. */
  resultDirs: string[];
}

export type PreopenOutcome = { ok: true; value: Preopens } | { ok: false; error: string };

const isGuestPath = (path: string) =>
  path.startsWith('/') && !path.split('/').includes('..') && !path.includes('\0');

/** Checks the task's result paths and inputs and lays out what the module will see. */
export async function preparePreopens(
  task: Pick<Task, 'ResultPaths'>,
  inputs: readonly StagedInput[],
  executionDir: string,
): Promise<PreopenOutcome> {
  const preopens: Record<string, string> = {};
  const claim = (guest: string, host: string): string | undefined => {
    const key = posix.normalize(guest);
    if (Object.hasOwn(preopens, key)) return `${key} is given to the module twice`;
    preopens[key] = host;
    return undefined;
  };
  const resultDirs: string[] = [];
  for (const result of task.ResultPaths ?? []) {
    if (!SAFE_SEGMENT.test(result.Name)) {
      return { ok: false, error: `ResultPaths: name ${JSON.stringify(result.Name)} is not a plain name` };
    }
    if (!isGuestPath(result.Path) || result.Path === '/') {
      return {
        ok: false,
        error: `ResultPaths: path ${JSON.stringify(result.Path)} must be absolute, below /`,
      };
    }
    const host = join(executionDir, 'results', result.Name);
    resultDirs.push(host);
    const clash = claim(result.Path, host);
    if (clash) return { ok: false, error: `ResultPaths: ${clash}` };
  }

  const ownDir = await realpath(executionDir).catch(() => executionDir);
  const files = new Map<string, StagedInput[]>();
  for (const [i, input] of inputs.entries()) {
    if (!isGuestPath(input.target)) return { ok: false, error: `input target ${input.target} is not usable` };
    const info = await stat(input.hostPath);
    if (!info.isDirectory()) {
      const parent = posix.dirname(posix.normalize(input.target));
      files.set(parent, [...(files.get(parent) ?? []), input]);
      continue;
    }
    let host = input.hostPath;
    const real = await realpath(host);
    if (input.readOnly && !isInside(real, ownDir)) {
      host = join(executionDir, 'wasm-inputs', `dir-${i}`);
      // Links stay behind: node:wasi would follow one out of the copy, to wherever it leads.
      await cp(real, host, { recursive: true, errorOnExist: true, filter: notSymlink });
    }
    const clash = claim(input.target, host);
    if (clash) return { ok: false, error: `input ${clash}` };
  }

  let group = 0;
  for (const [parent, members] of files) {
    const dir = join(executionDir, 'wasm-inputs', `files-${group++}`);
    await mkdir(dir, { recursive: true });
    for (const input of members) await placeFile(input.hostPath, join(dir, basename(input.target)), ownDir);
    const clash = claim(parent, dir);
    if (clash)
      return {
        ok: false,
        error: `input ${clash} (a file input's directory is also another input or result)`,
      };
  }
  return { ok: true, value: { preopens, resultDirs } };
}

/**
 * A hard link shares the bytes, so it serves only files of the execution's own (a write changes
 * this run's copy); a file from elsewhere, or on another file system, is copied.
 */
async function placeFile(from: string, to: string, ownDir: string): Promise<void> {
  const real = await realpath(from);
  if (isInside(real, ownDir)) {
    try {
      await link(real, to);
      return;
    } catch {
      // Another file system: copied below.
    }
  }
  await copyFile(real, to);
}

const notSymlink = async (path: string) => !(await lstat(path)).isSymbolicLink();

const isInside = (path: string, dir: string) => path === dir || path.startsWith(dir + sep);
