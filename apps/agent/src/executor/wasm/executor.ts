import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineType, NetworkType, type RunOutput, WasmParamsSchema } from '@shoal/models';
import { executionDir, isSafeExecutionId } from '../../execution/execution-files.js';
import { parseEngineParams } from '../../execution/invalid-input.js';
import { errorMessage } from '../../logger.js';
import type { StageSource } from '../../storage/storage.js';
import { collect } from '../docker/endings.js';
import { closeFiles, openFiles } from '../docker/launch.js';
import type { OutputFiles } from '../docker/log-stream.js';
import {
  type Executor,
  type ExecutorCapabilities,
  type ExecutorResult,
  executionTimeoutSeconds,
  type RunSpec,
} from '../executor.js';
import { DEFAULT_MAX_INLINE_OUTPUT_BYTES } from '../output.js';
import { endingResult, KILLED_EXIT_CODE } from './endings.js';
import { loadEntryModule } from './entry-module.js';
import { pagesFor } from './module-limits.js';
import { preparePreopens } from './preopens.js';
import { runInWorker } from './run-worker.js';

/**
 * The wasm engine: a WASI preview 1 module run by node:wasi in a worker thread, for machines
 * without Docker. The module comes from its EntryModule input source (staged into the execution's
 * directory), its linear memory is bounded by the task's reserved memory (module-limits.ts), its
 * inputs and result directories are preopened (preopens.ts), and its stdout and stderr land in the
 * same files, with the same caps, as a container's, so `job logs` and the local publisher need not
 * know which engine ran. Runs live in this process: they cannot be adopted after a restart.
 */

export interface WasmExecutorOptions {
  /** The agent's state directory; each execution writes under `<stateDir>/executions/<id>`. */
  stateDir: string;
  /** Fetches the EntryModule (inline or urlDownload) into the execution's directory. */
  stageSource: StageSource;
  /** Bytes of stdout and of stderr kept in RunOutput. Default 64 KiB. */
  maxInlineOutputBytes?: number;
  /** Cap of each `<executionDir>/stdout|stderr` file. Default 100 MiB. */
  maxOutputFileBytes?: number;
  /** Cap of the worker's own JS heap (not the module's memory). Default 64 MiB. */
  heapLimitMb?: number;
  /** Largest module compiled (it is read whole into memory). Default 128 MiB. */
  maxModuleBytes?: number;
}

const CLOSED = 'the wasm executor was closed';

export class WasmExecutor implements Executor {
  private readonly o: Required<WasmExecutorOptions>;
  /** Aborted by close(): every worker ends, as it would with a killed agent process. */
  private readonly closing = new AbortController();

  constructor(options: WasmExecutorOptions) {
    const maxOutputFileBytes = options.maxOutputFileBytes ?? 100 * 1024 * 1024;
    this.o = {
      heapLimitMb: 64,
      maxModuleBytes: 128 * 1024 * 1024,
      ...options,
      maxOutputFileBytes,
      maxInlineOutputBytes: Math.min(
        options.maxInlineOutputBytes ?? DEFAULT_MAX_INLINE_OUTPUT_BYTES,
        maxOutputFileBytes,
      ),
    };
  }

  capabilities(): ExecutorCapabilities {
    // No network of any kind: WASI preview 1 has no sockets to open.
    return { engine: EngineType.Wasm, healthy: true, networks: [NetworkType.None] };
  }

  async run(spec: RunSpec): Promise<ExecutorResult> {
    if (spec.signal.aborted) return { kind: 'cancelled' };
    if (this.closing.signal.aborted) return { kind: 'failed', error: CLOSED };
    if (!isSafeExecutionId(spec.executionId)) return { kind: 'failed', error: 'unusable execution id' };
    const parsed = parseEngineParams(WasmParamsSchema, spec.task.Engine.Params, 'invalid wasm task');
    if (!parsed.ok) return { kind: 'failed', error: parsed.error };
    const params = parsed.params;
    const network = spec.task.Network?.Type || NetworkType.None;
    if (network !== NetworkType.None) {
      return { kind: 'failed', error: `network type ${network} is not supported by the wasm engine` };
    }
    const dir = executionDir(this.o.stateDir, spec.executionId);
    const signal = AbortSignal.any([spec.signal, this.closing.signal]);
    let files: OutputFiles | undefined;
    try {
      await mkdir(dir, { recursive: true });
      const laid = await preparePreopens(spec.task, spec.inputs ?? [], dir);
      if (!laid.ok) return { kind: 'failed', error: `invalid wasm task: ${laid.error}` };
      for (const resultDir of laid.value.resultDirs) await mkdir(resultDir, { recursive: true });

      spec.onProgress('fetching the module');
      const loaded = await loadEntryModule(params.EntryModule, join(dir, 'module'), {
        stageSource: this.o.stageSource,
        maxModuleBytes: this.o.maxModuleBytes,
        maxPages: pagesFor(spec.resources.memoryBytes),
        signal,
      });
      if (!loaded.ok) return 'result' in loaded ? loaded.result : this.stopped(spec);
      const { module } = loaded;

      files = await openFiles(dir, this.o, true);
      if (signal.aborted) return this.stopped(spec);
      spec.onProgress('running');
      const timeoutSeconds = executionTimeoutSeconds(spec.task);
      const end = await runInWorker({
        module: module.bytes,
        entrypoint: params.Entrypoint,
        args: [module.name, ...params.Parameters],
        // The engine's own variables win over the task's, as the docker engine orders them.
        env: { ...spec.task.Env, ...params.EnvironmentVariables },
        preopens: laid.value.preopens,
        importedMemories: module.importedMemories,
        files,
        timeoutSeconds,
        signal,
        heapLimitMb: this.o.heapLimitMb,
      });
      if (end.kind === 'cancel') {
        return this.stopped(spec, await collect(files, this.o, KILLED_EXIT_CODE, ''));
      }
      const { maxInlineOutputBytes } = this.o;
      const memoryBytes = spec.resources.memoryBytes;
      return await endingResult(end, files, { maxInlineOutputBytes, timeoutSeconds, memoryBytes });
    } catch (error) {
      if (signal.aborted) return this.stopped(spec);
      return { kind: 'failed', error: `wasm executor error: ${errorMessage(error)}` };
    } finally {
      if (files) await closeFiles(files);
    }
  }

  /** Ends every run: the agent is stopping, and its runs end with it. */
  async close(): Promise<void> {
    this.closing.abort(new Error(CLOSED));
  }

  /** A run ended by its own stop is cancelled; one ended by close() failed (another node may run it). */
  private stopped(spec: RunSpec, runOutput?: RunOutput): ExecutorResult {
    if (spec.signal.aborted) return runOutput ? { kind: 'cancelled', runOutput } : { kind: 'cancelled' };
    return {
      kind: 'failed',
      error: CLOSED,
      ...(runOutput ? { runOutput: { ...runOutput, runnerError: CLOSED } } : {}),
    };
  }
}
