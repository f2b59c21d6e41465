import { ComputeStateType as C, type Capacity, type Nanos, NodeConnection } from '@shoal/models';
import {
  addCapacity,
  allocationOf,
  isLive,
  type NodeCandidate,
  type Plan,
  type ScheduledExecution,
  subtractCapacity,
  ZERO_CAPACITY,
} from '../planner/index.js';
import type { OutgoingMessage, Repos } from '../store/index.js';
import type { NodeCatalog } from './node-catalog.js';
import { JobWorkspace } from './workspace.js';

type Usage = Map<string, Capacity>;
/** What usage depends on: where an execution is, what it holds, and whether it is live. */
type Holding = Pick<ScheduledExecution, 'NodeID' | 'ComputeState' | 'DesiredState' | 'AllocatedResources'>;

/**
 * What the evaluations of one worker batch share inside their transaction: the jobs (its
 * workspace), the nodes and their usage (loaded once, not once per evaluation) and the messages for
 * agents (written once at the end, every node's in one go).
 *
 * Usage stays exact across the batch: the store sums what every live execution holds per node
 * (read after the batch's jobs were locked, so their share in it is what the workspace read), and
 * each evaluation swaps its own job's share for what its plan leaves. The cost per evaluation is
 * the batch's jobs, not every live job.
 */
/**
 * How long a disconnected node keeps its executions: `graceNanos` from when it was last heard from,
 * or from `startedAt` (this orchestrator's start) if that is later, since nobody could hear it while
 * the orchestrator was down. A whole cluster restarting (agents first, then the orchestrator) comes
 * back inside it and re-adopts its work.
 */
export interface NodeLossGrace {
  startedAt: Nanos;
  graceNanos: Nanos;
}

export function lostAt(lastHeartbeat: Nanos, grace: NodeLossGrace): Nanos {
  return (lastHeartbeat > grace.startedAt ? lastHeartbeat : grace.startedAt) + grace.graceNanos;
}

export class SchedulingBatch {
  /** The batch's jobs and executions, read once and written once. */
  readonly workspace = new JobWorkspace();
  private nodes: NodeCandidate[] | undefined;
  private stored: Usage = new Map();
  /** Per job seen: its share as stored, and its share now. */
  private readonly shares = new Map<string, { stored: Usage; now: Usage }>();
  private readonly outgoing = new Map<string, OutgoingMessage[]>();

  constructor(
    private readonly grace?: NodeLossGrace,
    /** Shared by the batches of a process; without one, every node is read for each batch. */
    private readonly catalog?: NodeCatalog,
  ) {}

  /** The nodes, with usage that includes every plan applied so far in this batch. */
  async candidates(tx: Repos): Promise<NodeCandidate[]> {
    if (this.nodes === undefined) {
      // After the batch's job locks (taken at load), so a batch holding it never waits for a job.
      await tx.scheduling.lockPlacement();
      const records = await (this.catalog ? this.catalog.list(tx.nodeStatus) : tx.nodeStatus.list());
      this.stored = await tx.scheduling.usageByNode();
      const grace = this.grace;
      this.nodes = records.map((r) => ({
        ...r.state,
        usage: { ...ZERO_CAPACITY },
        healthy: r.healthy,
        ...(grace && r.state.Connection !== NodeConnection.Connected
          ? { lostAt: lostAt(r.lastHeartbeat, grace) }
          : {}),
      }));
    }
    const totals: Usage = new Map(this.stored);
    const add = (usage: Usage, sign: 1 | -1) => {
      for (const [node, c] of usage) {
        const signed = sign === 1 ? c : subtractCapacity(ZERO_CAPACITY, c);
        totals.set(node, addCapacity(totals.get(node) ?? ZERO_CAPACITY, signed));
      }
    };
    for (const { stored, now } of this.shares.values()) {
      add(stored, -1);
      add(now, 1);
    }
    return this.nodes.map((n) => ({ ...n, usage: totals.get(n.Info.NodeID) ?? { ...ZERO_CAPACITY } }));
  }

  /**
   * The job's executions as its snapshot shows them. The first time, that is as stored (no plan of
   * this batch touched the job yet), which is its share in the stored sum.
   */
  observe(jobId: string, executions: readonly ScheduledExecution[]): void {
    const usage = usageOf(executions);
    const share = this.shares.get(jobId);
    if (share) share.now = usage;
    else this.shares.set(jobId, { stored: usage, now: usage });
  }

  /** The job's live executions once the plan is applied. */
  applied(jobId: string, executions: readonly ScheduledExecution[], plan: Plan): void {
    const usage = usageOf(executionsAfter(executions, plan));
    const share = this.shares.get(jobId);
    if (share) share.now = usage;
    else this.shares.set(jobId, { stored: usageOf(executions), now: usage });
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
