import { join } from 'node:path';

/**
 * Where an execution's files live. A CONTRACT: the log streamer reads these files while they grow,
 * and the publisher packs `results/`. `stateDir` is agentStateDir(config) = `<dataDir>/agent`.
 *
 *   <stateDir>/executions/<executionId>/stdout
 *   <stateDir>/executions/<executionId>/stderr
 *   <stateDir>/executions/<executionId>/results/<ResultPath.Name>/
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

export function outputPath(stateDir: string, executionId: string, stream: 'stdout' | 'stderr'): string {
  return join(executionDir(stateDir, executionId), stream);
}
