import { formatBytes } from '@shoal/models';
import { collect } from '../docker/endings.js';
import type { OutputFiles } from '../docker/log-stream.js';
import { type ExecutorResult, timedOutError } from '../executor.js';
import type { WorkerEnd } from './run-worker.js';

/**
 * How a worker's end becomes a result, with the output read back from the files as the docker
 * engine reads a container's. Exit codes where no process exited: 137 for a run that was ended
 * (timeout, stop), as a killed container reports, and 134 for a trap, as an aborted process.
 */

/** What a trap exits with, as a process killed by SIGABRT would (wasmtime reports it alike). */
export const TRAP_EXIT_CODE = 134;
export const KILLED_EXIT_CODE = 137;

export async function endingResult(
  end: Exclude<WorkerEnd, { kind: 'cancel' }>,
  files: OutputFiles,
  o: { maxInlineOutputBytes: number; timeoutSeconds: number; memoryBytes: number },
): Promise<ExecutorResult> {
  const output = (exitCode: number, runnerError: string) => collect(files, o, exitCode, runnerError);
  const failed = async (error: string, exitCode: number, final: boolean): Promise<ExecutorResult> => ({
    kind: 'failed',
    error,
    runOutput: await output(exitCode, error),
    ...(final ? { final } : {}),
  });
  switch (end.kind) {
    case 'exit':
      return { kind: 'completed', runOutput: await output(end.code, '') };
    case 'timeout':
      // Final: the module would time out on any node alike.
      return failed(timedOutError(o.timeoutSeconds), KILLED_EXIT_CODE, true);
    case 'trap':
      return failed(`the module trapped: ${end.message}`, TRAP_EXIT_CODE, true);
    case 'error':
      return failed(`cannot run the module: ${end.message}`, 1, true);
    case 'crashed':
      return failed(
        `the wasm worker failed: ${end.message} (memory limit ${formatBytes(o.memoryBytes)})`,
        KILLED_EXIT_CODE,
        false,
      );
    case 'broken':
      return failed(`the output could not be kept: ${end.reason}`, KILLED_EXIT_CODE, false);
  }
}
