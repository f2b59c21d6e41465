import { type Capacity, DesiredStateType, type Job, type Task } from '@shoal/models';
import type { PlanBuilder } from './builder.js';
import { addCapacity } from './capacity.js';
import { checkCapacity, checkStatic, type JobRequirements, type NodeRejection } from './filter.js';
import { nodeLabel, requestedOn } from './messages.js';
import { exclusion, type NodeRecord, rankNodes, type TriedNodes } from './rank.js';
import type { NodeCandidate, SchedulerSettings } from './types.js';

/** Everything a job-type scheduler works with, built once per evaluation. */
export interface SchedulingContext {
  b: PlanBuilder;
  job: Job;
  task: Task;
  settings: SchedulerSettings;
  req: JobRequirements;
  /** Sorted by id, so iteration order never depends on how the store listed them. */
  nodes: readonly NodeCandidate[];
  nodesById: ReadonlyMap<string, NodeCandidate>;
  records: ReadonlyMap<string, NodeRecord>;
  /** Seed and evaluation id: the key of this evaluation's tie-breaking. */
  randomKey: readonly string[];
}

/** What is allocated on the node once this plan is applied (its placements and releases). */
export function usageOf(ctx: SchedulingContext, node: NodeCandidate): Capacity {
  return addCapacity(node.usage, ctx.b.usageChange(node.Info.NodeID));
}

/** Why this node cannot take (another) execution of the job, or undefined if it can. */
export function whyNot(
  ctx: SchedulingContext,
  node: NodeCandidate,
  tried?: TriedNodes,
): NodeRejection | undefined {
  const id = node.Info.NodeID;
  const fixed = checkStatic(node, ctx.req);
  if (fixed) return fixed;
  const record = ctx.records.get(id);
  const excluded = exclusion(id, record, ctx.b.now, tried);
  if (excluded) {
    // A node resting after a refusal for room is worth asking again once the rest is over.
    const retryAt =
      record?.busyUntil !== undefined && record.busyUntil > ctx.b.now ? record.busyUntil : undefined;
    return { nodeId: id, code: 'excluded', reason: excluded, ...(retryAt === undefined ? {} : { retryAt }) };
  }
  return checkCapacity(node, usageOf(ctx, node), ctx.req.request, ctx.settings.overcommit);
}

export interface Candidates {
  /** Best first. */
  ranked: NodeCandidate[];
  rejected: NodeRejection[];
}

export function candidates(ctx: SchedulingContext, tried?: TriedNodes): Candidates {
  const eligible: NodeCandidate[] = [];
  const rejected: NodeRejection[] = [];
  for (const node of ctx.nodes) {
    const why = whyNot(ctx, node, tried);
    if (why) rejected.push(why);
    else eligible.push(node);
  }
  const key = [...ctx.randomKey, tried?.partition ?? 'any'];
  const { request } = ctx.req;
  return {
    ranked: rankNodes(eligible, (n) => usageOf(ctx, n), request, ctx.settings.overcommit, key),
    rejected,
  };
}

export interface PartitionPlacement {
  partition: number;
  /** Nodes this partition already failed on: the retry goes elsewhere. */
  tried: TriedNodes;
  /** How many nodes to ask at once (bidding); at least one. */
  asks: number;
  /** The failed attempt this one retries, if any. */
  previousExecutionId?: string;
  /** Appended to the comment, e.g. `(attempt 2 of 3)`. */
  detail?: string;
}

/**
 * Asks the best nodes to bid for a partition. Re-ranks after each ask, because an ask reserves
 * capacity that the next one must see. Returns the rejections when no node at all could be asked.
 */
export function placePartition(ctx: SchedulingContext, p: PartitionPlacement): NodeRejection[] | undefined {
  let asked = 0;
  let rejected: NodeRejection[] = [];
  const askedNodes = new Set<string>();
  while (asked < p.asks) {
    const found = candidates(ctx, p.tried);
    rejected = found.rejected;
    const node = found.ranked.find((n) => !askedNodes.has(n.Info.NodeID));
    if (!node) break;
    const nodeId = node.Info.NodeID;
    askedNodes.add(nodeId);
    ctx.b.place({
      partition: p.partition,
      nodeId,
      // One ask has nothing to choose between: the node starts on accepting, which saves a
      // round trip and an evaluation per placement. Several asks wait for the offers (bidding).
      desiredState: p.asks === 1 ? DesiredStateType.Running : DesiredStateType.Pending,
      comment: p.detail ? `${requestedOn(nodeId)} ${p.detail}` : requestedOn(nodeId),
      allocated: ctx.req.request,
      ...(p.previousExecutionId ? { previousExecutionId: p.previousExecutionId } : {}),
    });
    asked++;
  }
  if (asked > 0) return undefined;
  wakeForRestingNodes(ctx, rejected);
  return rejected;
}

/** Nothing could be placed: come back when the first node resting after a refusal for room may be asked. */
export function wakeForRestingNodes(ctx: SchedulingContext, rejected: readonly NodeRejection[]): void {
  for (const r of rejected) {
    if (r.retryAt !== undefined) ctx.b.wakeAt(r.retryAt, 'retry', `ask ${nodeLabel(r.nodeId)} again`);
  }
}

/** One execution, started at once (no bid round), on a node: ops and daemon. */
export function startOn(ctx: SchedulingContext, node: NodeCandidate, comment?: string): void {
  const nodeId = node.Info.NodeID;
  ctx.b.place({
    partition: 0,
    nodeId,
    desiredState: DesiredStateType.Running,
    comment: comment ?? requestedOn(nodeId),
    allocated: ctx.req.request,
  });
}
