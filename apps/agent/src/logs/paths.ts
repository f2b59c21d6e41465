import { join } from 'node:path';

/**
 * Where an engine leaves an execution's output: `<agent state dir>/executions/<executionId>/stdout`
 * and `…/stderr`, appended to while the run goes on (the docker engine writes them; the noop
 * engine writes none). This layout is the contract between the engines and the log streamer.
 * Execution ids reaching here passed the protocol's IdSchema: one safe token, never a path.
 */

export type OutputStream = 'stdout' | 'stderr';

export function executionDir(stateDir: string, executionId: string): string {
  return join(stateDir, 'executions', executionId);
}

export function outputFile(stateDir: string, executionId: string, stream: OutputStream): string {
  return join(executionDir(stateDir, executionId), stream);
}
