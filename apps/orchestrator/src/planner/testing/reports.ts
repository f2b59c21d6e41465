import {
  ComputeStateType as C,
  type ComputeStateType,
  canTransitionCompute,
  DesiredStateType as D,
  ExecutionOutcome,
  isTerminalComputeState,
  type Nanos,
} from '@shoal/models';
import type { NodeCandidate, ScheduledExecution } from '../types.js';

/**
 * What the real writers do to the rows a scenario holds: the report handler to an execution, the
 * liveness monitor to a node. Kept apart from Scenario so that both read as the rules they copy.
 */

/** The desired-state message the report handler retires an ended execution with. */
function retiredBecause(outcome: ExecutionOutcome): string {
  if (outcome === ExecutionOutcome.Completed) return 'execution completed';
  if (outcome === ExecutionOutcome.Rejected || outcome === ExecutionOutcome.Busy)
    return 'bid rejected by node';
  return 'execution failed';
}

/**
 * An agent report applied to its execution: compute state, revision +1, ModifyTime `now`. With an
 * `outcome` (a report that ends the execution) it is recorded, as `stopped` when we had asked for
 * the stop, and desired state is retired to Stopped, as the report handler does. Without one the
 * row is written as before outcomes were kept (compute state only), which the planner still reads.
 * Undefined when the transition is illegal (a stale report is dropped).
 */
export function reported(
  e: ScheduledExecution,
  compute: ComputeStateType,
  message: string,
  outcome: ExecutionOutcome | undefined,
  now: Nanos,
): ScheduledExecution | undefined {
  if (!canTransitionCompute(e.ComputeState.StateType, compute)) return undefined;
  if (outcome !== undefined && !isTerminalComputeState(compute))
    throw new Error(`outcome ${outcome} with a report that does not end ${e.ID}`);
  const asked = e.DesiredState.StateType === D.Stopped;
  const ended =
    outcome === undefined
      ? {}
      : {
          outcome: asked ? ExecutionOutcome.Stopped : outcome,
          DesiredState: asked ? e.DesiredState : { StateType: D.Stopped, Message: retiredBecause(outcome) },
        };
  // A bid accepted to run starts its run (one that waits for room is then told so by `runPhase`).
  const started =
    compute === C.BidAccepted && e.ComputeState.StateType !== C.BidAccepted ? { runStartTime: now } : {};
  return {
    ...e,
    ...ended,
    ...started,
    ComputeState: { StateType: compute, Message: message },
    Revision: e.Revision + 1,
    ModifyTime: now,
  };
}

/**
 * The node's word on a running execution's run (ExecutionProgress with a Phase): it waits for room
 * (its clock stops) or starts now (its clock starts), as the report handler records it.
 */
export function runPhase(
  e: ScheduledExecution,
  phase: 'Waiting' | 'Started',
  now: Nanos,
): ScheduledExecution {
  const { runStartTime: _old, ...rest } = e;
  const run = phase === 'Started' ? { runStartTime: now } : {};
  return { ...rest, ...run, Revision: e.Revision + 1, ModifyTime: now };
}

/** A node no longer heard from; with `lostAt`, its executions are kept until then. */
export function disconnected(node: NodeCandidate, lostAt?: Nanos): NodeCandidate {
  const { lostAt: _old, ...rest } = node;
  return { ...rest, Connection: 'DISCONNECTED', ...(lostAt === undefined ? {} : { lostAt }) };
}

/** A node that is back: a connected node has no grace deadline. */
export function reconnected(node: NodeCandidate): NodeCandidate {
  const { lostAt: _old, ...rest } = node;
  return { ...rest, Connection: 'CONNECTED' };
}
