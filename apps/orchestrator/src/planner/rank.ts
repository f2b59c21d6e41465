import { type Capacity, capacityShortfalls, type Nanos } from '@shoal/models';
import { units } from './capacity.js';
import { errorOf, isFailedAttempt, outcomeOf } from './executions.js';
import { nodeLabel } from './messages.js';
import { seededUnit } from './random.js';
import type { NodeCandidate, ScheduledExecution } from './types.js';

/**
 * Ranking: which eligible node to ask first, and which nodes not to ask at all for this job.
 */

/** Up to this much of a node's score comes from the seeded jitter: enough to break ties only. */
const JITTER = 0.02;

export interface NodeRecord {
  /** The node refused a bid of this job. */
  rejected: boolean;
  /** Failures of this job on the node that were its own doing (a lost node is not counted). */
  failures: number;
  /** The node last refused a bid of this job for lack of room: it is not asked again before then. */
  busyUntil?: Nanos;
}

/** What this job's past executions say about each node; `busyFor` is how long a busy node rests. */
export function nodeRecords(
  executions: readonly ScheduledExecution[],
  busyFor: Nanos,
): Map<string, NodeRecord> {
  const records = new Map<string, NodeRecord>();
  for (const e of executions) {
    const outcome = outcomeOf(e);
    if (outcome !== 'busy' && !isFailedAttempt(e)) continue;
    const record = records.get(e.NodeID) ?? { rejected: false, failures: 0 };
    if (outcome === 'rejected') record.rejected = true;
    if (outcome === 'failed') record.failures += 1;
    const until = e.ModifyTime + busyFor;
    if (outcome === 'busy' && (record.busyUntil === undefined || until > record.busyUntil))
      record.busyUntil = until;
    records.set(e.NodeID, record);
  }
  return records;
}

/** Nodes a partition has already used an attempt on, with what went wrong there. */
export interface TriedNodes {
  partition: number;
  errors: ReadonlyMap<string, string>;
}

export function triedNodes(partition: number, attempts: readonly ScheduledExecution[]): TriedNodes {
  return { partition, errors: new Map(attempts.map((e) => [e.NodeID, errorOf(e)])) };
}

/**
 * Why a node must not be asked (again), or undefined. A node that refused this job or failed it
 * twice is out for the whole job; a failed partition is retried on ANOTHER node, so the nodes in
 * `tried` are out for that partition.
 */
export function exclusion(
  nodeId: string,
  record: NodeRecord | undefined,
  now: Nanos,
  tried?: TriedNodes,
): string | undefined {
  if (record?.rejected) return `${nodeLabel(nodeId)}: rejected a bid for this job`;
  if (record?.busyUntil !== undefined && now < record.busyUntil)
    return `${nodeLabel(nodeId)}: had no room for this job when last asked`;
  if (record && record.failures >= 2) return `${nodeLabel(nodeId)}: failed this job twice`;
  const error = tried?.errors.get(nodeId);
  if (error !== undefined)
    return `${nodeLabel(nodeId)}: already tried partition ${tried?.partition} (${error})`;
  return undefined;
}

/** Share of the node left free after the request, averaged over CPU and memory (0..1, may be < 0). */
export function freeShare(node: NodeCandidate, usage: Capacity, request: Capacity): number {
  const max = node.Info.ComputeNodeInfo?.MaxCapacity;
  if (!max) return 0;
  const share = (resource: 'CPU' | 'Memory') => {
    const total = units(max, resource);
    if (total <= 0) return 0;
    return (total - units(usage, resource) - units(request, resource)) / total;
  };
  return (share('CPU') + share('Memory')) / 2;
}

/**
 * Whether the request would wait in the node's queue: it fits only with the queue counted, not
 * beside what the node can run at once (MaxCapacity × overcommit).
 */
export function wouldWait(
  node: NodeCandidate,
  usage: Capacity,
  request: Capacity,
  overcommit: number,
): boolean {
  const info = node.Info.ComputeNodeInfo;
  // Without a queue, a node that passed the filter runs the work at once: skip the sums.
  if (!info?.QueueCapacity) return false;
  return capacityShortfalls(request, usage, info.MaxCapacity, overcommit).length > 0;
}

/**
 * Best first: a node where the work starts at once before any where it would wait in the queue
 * (however empty the latter), then most free capacity, plus a little seeded jitter so equal nodes
 * do not always get the work in the same order. Ties left after that fall back to node id, so the
 * order is total.
 */
export function rankNodes(
  nodes: readonly NodeCandidate[],
  usageOf: (node: NodeCandidate) => Capacity,
  request: Capacity,
  overcommit: number,
  randomKey: readonly (string | number)[],
): NodeCandidate[] {
  const scored = nodes.map((node) => {
    const usage = usageOf(node);
    return {
      node,
      waits: wouldWait(node, usage, request, overcommit),
      score: freeShare(node, usage, request) + JITTER * seededUnit(...randomKey, node.Info.NodeID),
    };
  });
  scored.sort(
    (a, b) =>
      Number(a.waits) - Number(b.waits) ||
      b.score - a.score ||
      (a.node.Info.NodeID < b.node.Info.NodeID ? -1 : 1),
  );
  return scored.map((s) => s.node);
}
