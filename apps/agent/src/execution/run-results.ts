import {
  ComputeStateType as C,
  DesiredStateType as D,
  isTerminalComputeState,
  type SpecConfig,
} from '@shoal/models';
import type { ExecutorResult } from '../executor/executor.js';
import { type Logger, safeLog } from '../logger.js';
import type { CapacityTracker } from '../node/capacity.js';
import type { AgentStore, ExecutionRecord, Tx } from '../store/index.js';

/**
 * How a run's end becomes the execution's final local state and its one report, in the caller's
 * transaction. The reservation is released inside that same transaction (and held again if it
 * rolls back): the orchestrator frees the execution's resources when it reads the report, so the
 * agent must not still hold them then, and must not free them before the report is durable.
 *
 *   stop requested (a cancel, or a rejected bid, while it ran) → Cancelled + ExecutionCancelled
 *   ran to its end, exit 0                                     → Completed + RunResult
 *   ran to its end, another exit code                          → Failed + RunResult (its answer)
 *   failed (timeout: Final), or stopped by the engine unasked  → Failed + ComputeError
 */

export interface RecordDeps {
  store: AgentStore;
  capacity: CapacityTracker;
  logger: Logger;
}

/** Asked to stop while it was running: the answer is owed once the run has really ended. */
export function isStopRequested(record: ExecutionRecord): boolean {
  return record.localState === C.BidAccepted && record.desiredState === D.Stopped;
}

export function recordOutcome(
  tx: Tx,
  deps: RecordDeps,
  executionId: string,
  result: ExecutorResult,
  published: SpecConfig,
): void {
  const { executions, outbox } = deps.store;
  const current = executions.get(tx, executionId);
  if (current === undefined || isTerminalComputeState(current.localState)) {
    safeLog(deps.logger, 'debug', { executionId, kind: result.kind }, 'late run result dropped');
    return;
  }
  releaseWithin(tx, deps.capacity, executionId);
  const runOutput = result.kind === 'failed' || result.kind === 'cancelled' ? result.runOutput : undefined;

  if (isStopRequested(current)) {
    // Whatever the engine says, the orchestrator asked for the stop and waits for this answer.
    const output = result.kind === 'completed' ? result.runOutput : runOutput;
    executions.update(tx, current, { localState: C.Cancelled, runOutput: output ?? null });
    outbox.append(tx, {
      type: 'ExecutionCancelled',
      payload: {
        ExecutionID: executionId,
        Message: current.message,
        ...(output === undefined ? {} : { RunOutput: output }),
      },
    });
    return;
  }

  if (result.kind === 'completed') {
    const { exitCode } = result.runOutput;
    executions.update(tx, current, {
      localState: exitCode === 0 ? C.Completed : C.Failed,
      runOutput: result.runOutput,
      message: exitCode === 0 ? '' : `the task exited with code ${exitCode}`,
    });
    outbox.append(tx, {
      type: 'RunResult',
      payload: { ExecutionID: executionId, RunOutput: result.runOutput, PublishedResult: published },
    });
    return;
  }

  // Cancelled without being asked (the executor closed under it, say): another node may do better.
  const error = result.kind === 'failed' ? result.error : 'the engine stopped the run unasked';
  const final = result.kind === 'failed' && result.final === true;
  executions.update(tx, current, { localState: C.Failed, message: error, runOutput: runOutput ?? null });
  outbox.append(tx, {
    type: 'ComputeError',
    payload: {
      ExecutionID: executionId,
      Error: error,
      ...(runOutput === undefined ? {} : { RunOutput: runOutput }),
      ...(final ? { Final: true } : {}),
    },
  });
}

/** Frees a reservation as part of `tx`: held again if the transaction does not commit. */
export function releaseWithin(tx: Tx, capacity: CapacityTracker, executionId: string): void {
  const held = capacity.release(executionId);
  if (held !== undefined) tx.onRollback(() => capacity.hold(executionId, held));
}
