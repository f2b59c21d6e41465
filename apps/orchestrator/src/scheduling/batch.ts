import { ComputeStateType as C, type Capacity, type Nanos } from '@shoal/models';
import {
  addCapacity,
  allocationOf,
  isLive,
  type NodeCandidate,
  type Plan,
  type ScheduledExecution,
  ZERO_CAPACITY,
} from '../scheduler/index.js';
import type { OutgoingMessage, Repos } from '../store/index.js';
import { JobWorkspace } from './workspace.js';

type Usage = Map<string, Capacity>;
/** What usage depends on: where an execution is, what it holds, and whether it is live. */
type Holding = Pick<ScheduledExecution, 'NodeID' | 'ComputeState' | 'DesiredState' | 'AllocatedResources'>;

/**
 * What the evaluations of one worker batch share inside their transaction: the nodes and their
 * usage (loaded once, not once per evaluation) and the messages for agents (written once per node
 * at the end, in node order, so concurrent batches take the outbox rows in one order and cannot
 * deadlock on them).
 *
 * Usage stays exact across the batch: it is kept per job, and each evaluation replaces its job's
 * share twice, with what the locked snapshot shows before the plan and what the plan leaves after.
 */
export class SchedulingBatch {
  /** The batch's jobs and executions, read once and written once. */
  readonly workspace = new JobWorkspace();
  private nodes: NodeCandidate[] | undefined;
  private readonly byJob = new Map<string, Usage>();
  private readonly outgoing = new Map<string, OutgoingMessage[]>();

  /** The nodes, with usage that includes every plan applied so far in this batch. */
  async candidates(tx: Repos): Promise<NodeCandidate[]> {
    if (this.nodes === undefined) {
      const records = await tx.nodeStatus.list();
      for (const e of await tx.scheduling.holdingResources()) {
        this.byJob.set(e.JobID, addTo(this.byJob.get(e.JobID) ?? new Map(), e));
      }
      this.nodes = records.map((r) => ({ ...r.state, usage: { ...ZERO_CAPACITY }, healthy: r.healthy }));
    }
    const totals: Usage = new Map();
    for (const usage of this.byJob.values()) {
      for (const [node, capacity] of usage)
        totals.set(node, addCapacity(totals.get(node) ?? ZERO_CAPACITY, capacity));
    }
    return this.nodes.map((n) => ({ ...n, usage: totals.get(n.Info.NodeID) ?? { ...ZERO_CAPACITY } }));
  }

  /** The job's live executions as its locked snapshot shows them (a report may have moved them). */
  observe(jobId: string, executions: readonly ScheduledExecution[]): void {
    this.byJob.set(jobId, usageOf(executions));
  }

  /** The job's live executions once the plan is applied. */
  applied(jobId: string, executions: readonly ScheduledExecution[], plan: Plan): void {
    this.byJob.set(jobId, usageOf(executionsAfter(executions, plan)));
  }

  send(nodeId: string, message: OutgoingMessage): void {
    const queue = this.outgoing.get(nodeId);
    if (queue) queue.push(message);
    else this.outgoing.set(nodeId, [message]);
  }

  /** Writes the batch's messages, every node's at once (heads locked in node order). */
  async flush(tx: Repos, now: Nanos): Promise<Set<string>> {
    await tx.outbox.enqueueAll(this.outgoing, now);
    return new Set(this.outgoing.keys());
  }
}

function addTo(usage: Usage, e: Holding): Usage {
  if (!isLive(e)) return usage;
  const allocation = allocationOf(e.AllocatedResources.Tasks);
  usage.set(e.NodeID, addCapacity(usage.get(e.NodeID) ?? ZERO_CAPACITY, allocation));
  return usage;
}

function usageOf(executions: readonly Holding[]): Usage {
  return executions.reduce(addTo, new Map());
}

/** The executions as applyPlan leaves them, as far as usage can tell. */
function executionsAfter(before: readonly ScheduledExecution[], plan: Plan): Holding[] {
  const updates = new Map(plan.executionUpdates.map((u) => [u.executionId, u]));
  const after = before.map((e): Holding => {
    const u = updates.get(e.ID);
    if (!u) return e;
    const accepted = u.send === 'BidAccepted' ? { StateType: C.BidAccepted, Message: '' } : undefined;
    return {
      ...e,
      DesiredState: u.desiredState ?? e.DesiredState,
      ComputeState: u.computeState ?? accepted ?? e.ComputeState,
    };
  });
  for (const planned of plan.newExecutions) {
    after.push({
      NodeID: planned.nodeId,
      AllocatedResources: { Tasks: { main: planned.allocated } },
      DesiredState: { StateType: planned.desiredState, Message: planned.comment },
      ComputeState: { StateType: C.AskForBid, Message: '' },
    });
  }
  return after;
}
