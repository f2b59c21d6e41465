import { join } from 'node:path';

/**
 * Where an execution's files live, the contract between the engines that write them, the log
 * server that reads them while they grow and the publisher that packs them. `stateDir` is
 * agentStateDir(config) = `<dataDir>/agent`.
 *
 *   <stateDir>/executions/<executionId>/stdout
 *   <stateDir>/executions/<executionId>/stderr
 *   <stateDir>/executions/<executionId>/results/<ResultPath.Name>/   (bind-mounted, written by the task)
 *   <stateDir>/executions/<executionId>/inputs/<index>                 (fetched inputs, gone after the run)
 *   <stateDir>/executions/<executionId>/published/                     (what the local publisher packed)
 *   <stateDir>/results/<executionId>.tar.gz                            (what the results server serves)
 */

/** Execution ids are `e-<uuid>`; anything that is not one plain path segment is refused. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

export function isSafeExecutionId(executionId: string): boolean {
  return SAFE_ID.test(executionId) && executionId !== '..';
}

export function executionDir(stateDir: string, executionId: string): string {
  if (!isSafeExecutionId(executionId))
    throw new Error(`unusable execution id ${JSON.stringify(executionId)}`);
  return join(stateDir, 'executions', executionId);
}

/** Where a task's inputs are fetched to (storage/staging.ts); removed when the run ends. */
export function inputsDir(stateDir: string, executionId: string): string {
  return join(executionDir(stateDir, executionId), 'inputs');
}

export type OutputName = 'stdout' | 'stderr';

export function outputPath(stateDir: string, executionId: string, stream: OutputName): string {
  return join(executionDir(stateDir, executionId), stream);
}
