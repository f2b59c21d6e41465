import { ComputeStateType as C, DesiredStateType as D, isTerminalComputeState } from '@shoal/models';
import { type Logger, safeLog } from '../logger.js';
import type { CapacityTracker } from '../node/capacity.js';
import type { AgentStore, Tx } from '../store/index.js';
import { isStopRequested, releaseWithin } from './run-results.js';
import type { RunTracker } from './runs.js';

/**
 * CancelExecution and BidRejected: the orchestrator stops an execution, and counts its resources
 * on this node until the agent answers ExecutionCancelled. So the answer says the truth about
 * those resources:
 *
 *   unknown here           → answered at once ('unknown execution'), so the orchestrator frees it
 *   already finished       → nothing: its RunResult or ComputeError is in the outbox already
 *   awaiting approval      → nothing runs: state, release and answer in this transaction
 *   waiting for room       → as running: the stop is recorded, and the run, never started, is
 *                            answered for at once (runs.ts stop)
 *   running                → the stop is recorded (desired Stopped) and the run aborted; the answer
 *                            comes with the run's end (run-results.ts), once the container is gone
 *   already being stopped  → nothing more: the first request's answer is on its way
 */

export interface StopDeps {
  store: AgentStore;
  capacity: CapacityTracker;
  runs: RunTracker;
  logger: Logger;
}

export type StopCommand = 'CancelExecution' | 'BidRejected';

export function applyStop(tx: Tx, d: StopDeps, command: StopCommand, id: string, reason: string): void {
  const { executions, outbox } = d.store;
  const log = (msg: string) => safeLog(d.logger, 'debug', { executionId: id }, `${command} ${msg}`);
  const answer = (message: string) =>
    outbox.append(tx, { type: 'ExecutionCancelled', payload: { ExecutionID: id, Message: message } });

  const current = executions.get(tx, id);
  if (current === undefined) {
    log('for an unknown execution: answered so the orchestrator can let it go');
    answer('unknown execution');
    return;
  }
  // Terminal states never change, and the report that made them terminal is the answer.
  if (isTerminalComputeState(current.localState)) {
    log('for a finished execution ignored');
    return;
  }
  if (isStopRequested(current)) {
    log('for an execution already stopping ignored');
    return;
  }

  const started = current.localState === C.BidAccepted;
  const note = describe(command, reason, started);
  safeLog(d.logger, 'info', { executionId: id }, note);
  if (started) {
    executions.update(tx, current, { desiredState: D.Stopped, message: note });
    tx.afterCommit(() => d.runs.stop(id, note));
    return;
  }
  // The models' table has no BidAccepted → BidRejected, hence a rejected run above is Cancelled.
  const localState = command === 'BidRejected' ? C.BidRejected : C.Cancelled;
  executions.update(tx, current, { localState, desiredState: D.Stopped, message: note });
  releaseWithin(tx, d.capacity, id);
  tx.afterCommit(() => {
    d.runs.discard(id);
    // The room it held may be what the first run in line waits for.
    d.runs.admitWaiting();
  });
  answer(note);
}

function describe(command: StopCommand, reason: string, started: boolean): string {
  if (command === 'CancelExecution') return reason === '' ? 'cancelled by the orchestrator' : reason;
  // A bid the orchestrator gave to another node after we had started running it.
  return started ? `bid rejected after the run started: ${reason}` : `bid rejected: ${reason}`;
}
