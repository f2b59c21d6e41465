import { Worker } from 'node:worker_threads';
import type { OutputFiles } from '../docker/log-stream.js';
import type { ImportedMemory } from './module-limits.js';
import { WORKER_SOURCE } from './worker-source.js';

/**
 * One module run in its own worker thread, to one of its ends: it exited (proc_exit or a return
 * from the entry point), trapped, could not be loaded, broke the worker (its JS heap limit), ran
 * out of time, was stopped, or its output could not be kept. A timeout, a stop and a broken output
 * file end the worker with `terminate()`, which interrupts running wasm code wherever it is. The
 * output reaches the files as the module writes it (worker-source.ts says how) and is all there
 * once this resolves.
 */

export interface WorkerRun {
  module: Uint8Array;
  entrypoint: string;
  args: string[];
  env: Record<string, string>;
  preopens: Record<string, string>;
  importedMemories: ImportedMemory[];
  files: OutputFiles;
  /** 0: none. */
  timeoutSeconds: number;
  signal: AbortSignal;
  /** Old-generation cap of the worker's JS heap; linear memory is bounded in the module itself. */
  heapLimitMb: number;
}

export type WorkerEnd =
  | { kind: 'exit'; code: number }
  | { kind: 'trap'; message: string }
  | { kind: 'error'; message: string }
  | { kind: 'crashed'; message: string }
  | { kind: 'timeout' }
  | { kind: 'cancel' }
  | { kind: 'broken'; reason: string };

type FromWorker =
  | { type: 'out'; fd: number; bytes: Uint8Array; seq: number }
  | { type: 'exit'; code: number }
  | { type: 'trap' | 'error'; message: string };

export async function runInWorker(run: WorkerRun): Promise<WorkerEnd> {
  if (run.signal.aborted) return { kind: 'cancel' };
  const ack = new SharedArrayBuffer(4);
  const acked = new Int32Array(ack);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      module: run.module,
      entrypoint: run.entrypoint,
      args: run.args,
      env: run.env,
      preopens: run.preopens,
      importedMemories: run.importedMemories,
      ack,
    },
    resourceLimits: { maxOldGenerationSizeMb: run.heapLimitMb, maxYoungGenerationSizeMb: 16 },
    // Plain JavaScript: none of the agent's loaders or flags (tsx, --conditions) is needed there.
    execArgv: [],
    // The module's output goes through the files, never the agent's own stdio.
    stdout: true,
    stderr: true,
    env: {},
  });
  worker.stdout.resume();
  worker.stderr.resume();

  // Writes are kept in order, one after another; the worker waits for each.
  let written: Promise<void> = Promise.resolve();
  let settle: (end: WorkerEnd) => void = () => {};
  const ended = new Promise<WorkerEnd>((resolve) => {
    settle = resolve;
  });
  let done = false;
  const finish = (end: WorkerEnd) => {
    if (done) return;
    done = true;
    settle(end);
  };
  const release = () => {
    // A negative count tells a waiting write to give up; terminate() then ends the thread.
    Atomics.store(acked, 0, -1);
    Atomics.notify(acked, 0);
  };

  worker.on('message', (message: FromWorker) => {
    if (message.type === 'out') {
      const file = message.fd === 2 ? run.files.stderr : run.files.stdout;
      written = written
        .then(() =>
          file.offer(Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.length)),
        )
        .then(
          () => {
            if (done) return;
            Atomics.store(acked, 0, message.seq);
            Atomics.notify(acked, 0);
          },
          (error: unknown) => finish({ kind: 'broken', reason: (error as Error).message }),
        );
      return;
    }
    if (message.type === 'exit') finish({ kind: 'exit', code: message.code });
    else finish({ kind: message.type, message: message.message });
  });
  worker.on('error', (error) => finish({ kind: 'crashed', message: error.message }));
  worker.on('exit', (code) => finish({ kind: 'crashed', message: `the worker stopped (code ${code})` }));

  const onAbort = () => finish({ kind: 'cancel' });
  run.signal.addEventListener('abort', onAbort, { once: true });
  const timer =
    run.timeoutSeconds > 0
      ? setTimeout(() => finish({ kind: 'timeout' }), run.timeoutSeconds * 1000)
      : undefined;
  try {
    const end = await ended;
    release();
    await worker.terminate();
    // Every write the worker was told is done is in the file; later ones were refused.
    await written;
    return end;
  } finally {
    clearTimeout(timer);
    run.signal.removeEventListener('abort', onAbort);
  }
}
