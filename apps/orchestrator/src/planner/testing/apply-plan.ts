import {
  ComputeStateType as C,
  type Capacity,
  canTransitionCompute,
  canTransitionDesired,
  canTransitionJob,
  isTerminalJobState,
  type Nanos,
  shortId,
} from '@shoal/models';
import { addCapacity, allocationOf, subtractCapacity } from '../capacity.js';
import { isLive } from '../executions.js';
import type { NodeCandidate, Plan, ScheduledExecution, SchedulerSnapshot } from '../types.js';

/**
 * An in-memory applier for tests, written from the table in types.ts. It is strict where the real
 * one must be: compare-and-swap on every revision, legal transitions only, no change to a terminal
 * job. Ids are deterministic (`e-<job>-<n>`), so applying the same plan twice gives equal results.
 */

export class PlanConflict extends Error {}

function liveUsage(executions: readonly ScheduledExecution[]): Map<string, Capacity> {
  const usage = new Map<string, Capacity>();
  for (const e of executions) {
    if (!isLive(e)) continue;
    const before = usage.get(e.NodeID) ?? { CPU: 0, Memory: 0, Disk: 0, GPU: 0 };
    usage.set(e.NodeID, addCapacity(before, allocationOf(e.AllocatedResources.Tasks)));
  }
  return usage;
}

/** Node usage follows the job's live executions: what they held is released, what is new is added. */
export function withUsage(
  before: SchedulerSnapshot,
  executions: readonly ScheduledExecution[],
  nodes: readonly NodeCandidate[] = before.nodes,
): NodeCandidate[] {
  const old = liveUsage(before.executions);
  const now = liveUsage(executions);
  const zero = { CPU: 0, Memory: 0, Disk: 0, GPU: 0 };
  return nodes.map((n) => {
    const id = n.Info.NodeID;
    const usage = addCapacity(subtractCapacity(n.usage, old.get(id) ?? zero), now.get(id) ?? zero);
    return { ...n, usage };
  });
}

export function applyPlan(snapshot: SchedulerSnapshot, plan: Plan, now: Nanos): SchedulerSnapshot {
  const job = snapshot.job;
  if (plan.jobRevision !== job.Revision)
    throw new PlanConflict(`job revision ${job.Revision} != ${plan.jobRevision}`);
  let nextJob = job;
  if (plan.jobState) {
    const from = job.State.StateType;
    if (isTerminalJobState(from)) throw new Error(`plan changes terminal job (${from})`);
    if (!canTransitionJob(from, plan.jobState.StateType))
      throw new Error(`illegal job ${from} -> ${plan.jobState.StateType}`);
    if (plan.jobState.Comment === '') throw new Error('job change without a comment');
    nextJob = {
      ...job,
      State: { StateType: plan.jobState.StateType, Message: plan.jobState.Message },
      Revision: job.Revision + 1,
      ModifyTime: now,
    };
  }

  const executions = snapshot.executions.map((e) => ({ ...e }));
  const byId = new Map(executions.map((e) => [e.ID, e]));
  for (const u of plan.executionUpdates) {
    const e = byId.get(u.executionId);
    if (!e) throw new Error(`update of unknown execution ${u.executionId}`);
    if (e.Revision !== u.expectedRevision)
      throw new PlanConflict(`${e.ID}: revision ${e.Revision} != ${u.expectedRevision}`);
    if (u.comment === '') throw new Error(`update of ${e.ID} without a comment`);
    if (u.desiredState) {
      if (!canTransitionDesired(e.DesiredState.StateType, u.desiredState.StateType)) {
        throw new Error(
          `${e.ID}: illegal desired ${e.DesiredState.StateType} -> ${u.desiredState.StateType}`,
        );
      }
      e.DesiredState = u.desiredState;
    }
    if (u.computeState) {
      if (!canTransitionCompute(e.ComputeState.StateType, u.computeState.StateType)) {
        throw new Error(
          `${e.ID}: illegal compute ${e.ComputeState.StateType} -> ${u.computeState.StateType}`,
        );
      }
      e.ComputeState = u.computeState;
      if (u.outcome !== undefined) e.outcome = u.outcome;
    }
    e.Revision += 1;
    e.ModifyTime = now;
  }

  const task = job.Tasks[0]?.Name ?? 'main';
  plan.newExecutions.forEach((n, i) => {
    if (n.comment === '') throw new Error('new execution without a comment');
    executions.push({
      ID: `e-${shortId(job.ID)}-${snapshot.executions.length + i}`,
      Namespace: job.Namespace,
      EvalID: snapshot.evaluation.ID,
      Name: '',
      NodeID: n.nodeId,
      JobID: job.ID,
      AllocatedResources: { Tasks: { [task]: n.allocated } },
      DesiredState: { StateType: n.desiredState, Message: n.comment },
      ComputeState: { StateType: C.New, Message: '' },
      outcome: '',
      PublishedResult: { Type: '', Params: null },
      RunOutput: null,
      PreviousExecution: n.previousExecutionId ?? '',
      NextExecution: '',
      FollowupEvalID: '',
      Revision: 1,
      CreateTime: now,
      ModifyTime: now,
      partition: n.partition,
    });
  });
  return { ...snapshot, job: nextJob, executions, nodes: withUsage(snapshot, executions) };
}
