import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { formatBytes, type WasmModuleInput } from '@shoal/models';
import { errorMessage } from '../../logger.js';
import type { StageSource } from '../../storage/storage.js';
import type { ExecutorResult } from '../executor.js';
import { type ImportedMemory, limitModuleMemory } from './module-limits.js';

/**
 * The EntryModule, from its input source to bytes ready to compile: fetched into the execution's
 * directory by the node's provider for its type, checked for size, and its memory bounded to
 * `maxPages` (module-limits.ts). Every way this can go wrong is a `failed` result with the reason.
 */

export interface LoadedModule {
  bytes: Uint8Array;
  importedMemories: ImportedMemory[];
  /** argv[0]. */
  name: string;
}

export type LoadOutcome =
  | { ok: true; module: LoadedModule }
  | { ok: false; result: ExecutorResult }
  | { ok: false; stopped: true };

export async function loadEntryModule(
  input: WasmModuleInput,
  dest: string,
  o: { stageSource: StageSource; maxModuleBytes: number; maxPages: number; signal: AbortSignal },
): Promise<LoadOutcome> {
  const failed = (error: string, final = false): LoadOutcome => ({
    ok: false,
    result: { kind: 'failed', error, ...(final ? { final } : {}) },
  });
  let path: string;
  try {
    const source = { Type: input.Source.Type, Params: input.Source.Params ?? {} };
    path = await moduleFile((await o.stageSource(source, dest, o.signal)).hostPath);
  } catch (error) {
    if (o.signal.aborted) return { ok: false, stopped: true };
    return failed(`cannot fetch the EntryModule: ${errorMessage(error)}`);
  }
  const size = (await stat(path)).size;
  if (size > o.maxModuleBytes) {
    return failed(
      `the module is ${formatBytes(size)}; this node runs modules of at most ${formatBytes(o.maxModuleBytes)}`,
    );
  }
  const limited = limitModuleMemory(new Uint8Array(await readFile(path)), o.maxPages);
  // Final: the same module is refused alike on any node.
  if (!limited.ok) return failed(`cannot run the module: ${limited.error}`, true);
  const module = {
    bytes: limited.bytes,
    importedMemories: limited.importedMemories,
    name: moduleName(input, path),
  };
  return { ok: true, module };
}

/** The staged module: the file itself, or the one file of a directory a provider made. */
async function moduleFile(hostPath: string): Promise<string> {
  if (!(await stat(hostPath)).isDirectory()) return hostPath;
  const entries = (await readdir(hostPath, { withFileTypes: true })).filter((e) => e.isFile());
  const only = entries.length === 1 ? entries[0] : entries.find((e) => e.name.endsWith('.wasm'));
  if (only === undefined)
    throw new Error(`expected one module file in what was fetched, found ${entries.length}`);
  return join(hostPath, only.name);
}

/** argv[0], as WASI runtimes give it: the module's name (its Alias, Target or file name). */
function moduleName(input: Pick<WasmModuleInput, 'Alias' | 'Target'>, path: string): string {
  if (input.Alias) return input.Alias;
  if (input.Target) return basename(input.Target);
  const file = basename(path);
  return file === 'module' ? 'module.wasm' : file;
}
