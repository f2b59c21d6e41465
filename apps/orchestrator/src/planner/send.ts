import { ComputeStateType as C, DesiredStateType as D } from '@shoal/models';
import type { ExecutionMessage, ExecutionUpdate, ScheduledExecution } from './types.js';

/**
 * Which message carries an execution update to its agent (the table in types.ts). Decided from
 * the state the snapshot showed, because that is what the agent knows: an ask it never accepted
 * is withdrawn with BidRejected; anything it may be running is cancelled with CancelExecution.
 */
export function messageFor(
  before: ScheduledExecution,
  change: Pick<ExecutionUpdate, 'desiredState'>,
): ExecutionMessage | undefined {
  const desired = change.desiredState?.StateType;
  // A compute-only update (server-side Cancelled of an execution already being stopped): the
  // stop message went out with the earlier update.
  if (desired === undefined || desired === before.DesiredState.StateType) return undefined;
  if (desired === D.Running) return 'BidAccepted';
  const started = before.ComputeState.StateType === C.BidAccepted;
  return before.DesiredState.StateType === D.Pending && !started ? 'BidRejected' : 'CancelExecution';
}
