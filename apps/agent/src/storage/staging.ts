import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpecConfig, Task } from '@shoal/models';
import { inputsDir, isSafeExecutionId } from '../execution/execution-files.js';
import { errorMessage } from '../logger.js';
import type { StorageRegistry } from './registry.js';
import type { StagedInput } from './storage.js';

/**
 * Fetches a task's inputs before its run, into `<execution dir>/inputs/<index>`, and removes them
 * after. Inputs are fetched one after another, in order; the first failure ends the staging with
 * the input named (`input 0 (urlDownload https://…): 404 Not Found`) and what was fetched so far
 * is removed. An abort (a stop, the agent shutting down) ends it promptly and propagates as is.
 */
export class InputStager {
  constructor(private readonly o: { stateDir: string; registry: StorageRegistry }) {}

  get registry(): StorageRegistry {
    return this.o.registry;
  }

  async stage(
    executionId: string,
    task: Task,
    signal: AbortSignal,
    onProgress: (message: string) => void = () => {},
  ): Promise<StagedInput[]> {
    const sources = task.InputSources ?? [];
    if (sources.length === 0) return [];
    const dir = inputsDir(this.o.stateDir, executionId);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const staged: StagedInput[] = [];
    try {
      for (const [i, input] of sources.entries()) {
        signal.throwIfAborted();
        onProgress(`fetching inputs (${i + 1} of ${sources.length}: ${describeSource(input.Source)})`);
        try {
          const s = await this.o.registry.stageSource(input.Source, join(dir, String(i)), signal);
          staged.push({ hostPath: s.hostPath, target: input.Target, readOnly: s.readOnly });
        } catch (error) {
          if (signal.aborted) throw error;
          throw new Error(`input ${i} (${describeSource(input.Source)}): ${errorMessage(error)}`);
        }
      }
    } catch (error) {
      await this.cleanup(executionId);
      throw error;
    }
    return staged;
  }

  /**
   * The mounts `stage` will return, when every input's is known before fetching (each provider
   * stages into a directory of its own: s3, urlDownload); otherwise undefined.
   */
  planned(executionId: string, task: Task): StagedInput[] | undefined {
    const sources = task.InputSources ?? [];
    const dir = inputsDir(this.o.stateDir, executionId);
    const planned: StagedInput[] = [];
    for (const [i, input] of sources.entries()) {
      if (!this.o.registry.get(input.Source.Type)?.stagesIntoDirectory) return undefined;
      planned.push({ hostPath: join(dir, String(i)), target: input.Target, readOnly: true });
    }
    return planned.length > 0 ? planned : undefined;
  }

  /** Removes what was fetched for the execution; a local directory is never inside it. */
  async cleanup(executionId: string): Promise<void> {
    await rm(inputsDir(this.o.stateDir, executionId), { recursive: true, force: true });
  }

  /** After a restart: fetched inputs of every execution that no longer runs go. */
  async sweep(isLive: (executionId: string) => boolean): Promise<number> {
    let ids: string[];
    try {
      ids = await readdir(join(this.o.stateDir, 'executions'));
    } catch {
      return 0;
    }
    let removed = 0;
    for (const id of ids) {
      if (!isSafeExecutionId(id) || isLive(id)) continue;
      const dir = inputsDir(this.o.stateDir, id);
      const existed = await rm(dir, { recursive: true }).then(
        () => true,
        () => false,
      );
      if (existed) removed++;
    }
    return removed;
  }
}

/** `urlDownload https://…`, short enough for a history line; an inline payload is not repeated. */
export function describeSource(source: SpecConfig): string {
  const p = source.Params ?? {};
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const cut = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s);
  switch (source.Type) {
    case 'urlDownload':
      return `urlDownload ${cut(text(p.URL))}`;
    case 'inline':
      return `inline ${cut(text(p.URL).split(',')[0] ?? '')},…`;
    case 'localDirectory':
      return `localDirectory ${cut(text(p.SourcePath))}`;
    case 's3':
      return `s3 s3://${cut(`${text(p.Bucket)}/${text(p.Key)}`)}`;
    default:
      return source.Type || '(no type)';
  }
}
