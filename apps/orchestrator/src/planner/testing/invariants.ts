import {
  type Constraint,
  constraintMatches,
  DesiredStateType as D,
  isTerminalComputeState,
  isTerminalJobState,
  type Nanos,
} from '@shoal/models';
import { expect } from 'vitest';
import { RESOURCES, units } from '../capacity.js';
import { isFailedAttempt, isLive, isPlaced, outcomeOf } from '../executions.js';
import { resolveSettings } from '../settings.js';
import type { Plan, ScheduledExecution, SchedulerSnapshot } from '../types.js';

/**
 * What must hold after every plan, whatever happened before. Written independently of the
 * scheduler's own helpers where it matters (filters), so a bug there is not repeated here.
 */

function byKey<T>(items: readonly T[], key: (item: T) => string | number): Map<string | number, T[]> {
  const groups = new Map<string | number, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/**
 * New executions only go to nodes that pass every filter and are not resting after refusing this
 * job for lack of room, and the node's usage once the plan is applied (live executions only: what
 * the plan failed server-side is released) stays within overcommit × MaxCapacity (GPUs: MaxCapacity).
 */
export function checkPlacements(
  before: SchedulerSnapshot,
  plan: Plan,
  after: SchedulerSnapshot,
  now: Nanos,
): void {
  const settings = resolveSettings(before.settings);
  const task = before.job.Tasks[0];
  for (const n of plan.newExecutions) {
    const node = before.nodes.find((x) => x.Info.NodeID === n.nodeId);
    const info = node?.Info.ComputeNodeInfo;
    expect(node && info && task, `placed on unknown node ${n.nodeId}`).toBeTruthy();
    if (!node || !info || !task) return;
    expect(node.Connection).toBe('CONNECTED');
    expect(node.Membership).toBe('APPROVED');
    expect(node.healthy).toBe(true);
    expect(info.ExecutionEngines).toContain(task.Engine.Type);
    for (const c of before.job.Constraints) {
      expect(constraintMatches({ ...c, Values: c.Values ?? [] } as Constraint, node.Info.Labels)).toBe(true);
    }
    for (const e of before.executions) {
      if (e.NodeID !== n.nodeId || e.outcome !== 'busy') continue;
      expect(now, `${n.nodeId} asked again while resting`).toBeGreaterThanOrEqual(
        e.ModifyTime + settings.busyRetryNanos,
      );
    }
    const usage = after.nodes.find((x) => x.Info.NodeID === n.nodeId)?.usage;
    for (const r of RESOURCES) {
      const limit = units(info.MaxCapacity, r) * (r === 'GPU' ? 1 : settings.overcommit);
      expect(usage && units(usage, r), `${r} on ${n.nodeId}`).toBeLessThanOrEqual(limit);
    }
  }
}

export function checkState(before: SchedulerSnapshot, plan: Plan, after: SchedulerSnapshot): void {
  const { job } = after;
  const settings = resolveSettings(after.settings);
  if (isTerminalJobState(before.job.State.StateType)) {
    expect(plan.jobState).toBeUndefined();
    expect(plan.newExecutions).toEqual([]);
    expect(job.State).toEqual(before.job.State);
  }
  const old = new Map(before.executions.map((e) => [e.ID, e]));
  for (const u of plan.executionUpdates) {
    const e = old.get(u.executionId);
    expect(e && isTerminalComputeState(e.ComputeState.StateType), `update of ended ${u.executionId}`).toBe(
      false,
    );
  }
  expect(job.Revision).toBeGreaterThanOrEqual(before.job.Revision);
  for (const e of after.executions) expect(e.Revision).toBeGreaterThanOrEqual(old.get(e.ID)?.Revision ?? 1);

  const perNode = job.Type === 'ops' || job.Type === 'daemon';
  const groups = byKey(after.executions, (e) => (perNode ? e.NodeID : e.partition));
  for (const [key, list] of groups) {
    const live = list.filter(isLive);
    expect(live.length, `live executions of ${key}`).toBeLessThanOrEqual(
      perNode ? 1 : settings.bidsPerPartition,
    );
    expect(list.filter(isPlaced).length, `placed executions of ${key}`).toBeLessThanOrEqual(1);
    if (!perNode) checkAttempts(list, job.Type === 'service', settings.maxAttempts);
  }
  if (job.State.StateType === 'Completed') {
    expect(['batch', 'ops']).toContain(job.Type);
    if (job.Type === 'batch') {
      const done = new Set(
        after.executions.filter((e) => outcomeOf(e) === 'completed').map((e) => e.partition),
      );
      expect([...done].sort()).toEqual(Array.from({ length: job.Count }, (_, i) => i));
    }
  }
}

/**
 * Failed attempts, plus the ones under way, never exceed maxAttempts (services: since the last
 * success, and a task that exited non-zero is an attempt too).
 */
function checkAttempts(list: readonly ScheduledExecution[], service: boolean, maxAttempts: number): void {
  const sorted = [...list].sort((a, b) =>
    a.CreateTime < b.CreateTime ? -1 : a.CreateTime > b.CreateTime ? 1 : a.ID < b.ID ? -1 : 1,
  );
  const since = service ? sorted.findLastIndex((e) => outcomeOf(e) === 'completed') + 1 : 0;
  const window = sorted.slice(since);
  const used = window.filter(
    (e) =>
      isFailedAttempt(e) ||
      (service && outcomeOf(e) === 'task-failed') ||
      (isLive(e) && e.DesiredState.StateType !== D.Stopped),
  );
  expect(used.length, `attempts of partition ${list[0]?.partition}`).toBeLessThanOrEqual(maxAttempts);
}
