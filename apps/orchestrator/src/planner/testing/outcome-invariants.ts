import { DesiredStateType as D, isTerminalJobState, type Nanos, NodeConnection } from '@shoal/models';
import { expect } from 'vitest';
import { isLive, outcomeOf } from '../executions.js';
import type { NodeCandidate, Plan, SchedulerSnapshot } from '../types.js';

/**
 * What must hold after every plan about why executions end: the planner writes an outcome with
 * every server-side ending, fails only what is on a lost node (or silent past its timeout), keeps
 * what is on a node in its grace period and comes back for it in time, and a batch task's failure
 * ends its job.
 */

/** Lost: deleted from the registry, or disconnected with no grace left. */
function isLostNode(node: NodeCandidate | undefined, now: Nanos): boolean {
  if (!node) return true;
  if (node.Connection === NodeConnection.Connected) return false;
  return node.lostAt === undefined || now >= node.lostAt;
}

export function checkOutcomes(
  before: SchedulerSnapshot,
  plan: Plan,
  after: SchedulerSnapshot,
  now: Nanos,
): void {
  const nodes = new Map(before.nodes.map((n) => [n.Info.NodeID, n]));
  const old = new Map(before.executions.map((e) => [e.ID, e]));
  const ended = isTerminalJobState(before.job.State.StateType);
  for (const u of plan.executionUpdates) {
    if (!u.computeState) continue;
    const e = old.get(u.executionId);
    expect(u.outcome, `server-side ending of ${u.executionId} without an outcome`).toBeDefined();
    if (u.outcome === 'task-failed') {
      expect(u.computeState.Message).toMatch(/^execution timed out after \d+s$/);
      continue;
    }
    expect(isLostNode(nodes.get(e?.NodeID ?? ''), now), `${u.executionId} failed on a node not lost`).toBe(
      true,
    );
    const asked = ended || e?.DesiredState.StateType === D.Stopped;
    expect(u.outcome).toBe(asked ? 'stopped' : 'lost');
  }
  for (const e of after.executions) {
    const node = nodes.get(e.NodeID);
    if (!isLive(e)) continue;
    expect(isLostNode(node, now), `${e.ID} still live on a lost node`).toBe(false);
    // A node in its grace period: the job is looked at again by the time it runs out.
    if (node?.lostAt !== undefined && node.Connection !== NodeConnection.Connected) {
      if (isTerminalJobState(after.job.State.StateType)) continue;
      expect(plan.followUp?.waitUntil, `no follow-up for ${e.ID} on a node in grace`).toBeLessThanOrEqual(
        node.lostAt,
      );
    }
  }
  if (before.job.Type !== 'batch' || ended) return;
  const completed = new Set(
    after.executions.filter((e) => outcomeOf(e) === 'completed').map((e) => e.partition),
  );
  const answered = after.executions.find(
    (e) => outcomeOf(e) === 'task-failed' && !completed.has(e.partition),
  );
  if (!answered) return;
  expect(after.job.State.StateType, `batch task ${answered.ID} failed but the job did not`).toBe('Failed');
  expect(plan.newExecutions).toEqual([]);
}
