import {
  type Capacity,
  CONSTRAINT_OPERATORS,
  type Constraint,
  capacityShortfalls,
  explainMismatch,
  type Job,
  type Nanos,
  NodeConnection,
  NodeMembership,
  NodeType,
  type Task,
} from '@shoal/models';
import { formatAmount, RESOURCES, type Resource, resourceName, units } from './capacity.js';
import { nodeLabel } from './messages.js';
import type { NodeCandidate } from './types.js';

/**
 * Node filtering: can this node run one execution of the job right now? Every "no" carries a
 * reason that names the node, because the reasons end up verbatim in queue and failure messages.
 */

export type RejectionCode =
  | 'not-compute'
  | 'membership'
  | 'disconnected'
  | 'unhealthy'
  | 'engine'
  | 'publisher'
  | 'storage'
  | 'constraint'
  | 'too-large'
  | 'capacity'
  | 'excluded';

export interface NodeRejection {
  nodeId: string;
  code: RejectionCode;
  /** `node n-1a2b3c4d: does not support engine wasm` */
  reason: string;
  /** What was missing, for summaries (`wasm`). */
  subject?: string;
  /** When the node may be asked again (it is resting after a refusal for room). */
  retryAt?: Nanos;
}

export interface JobRequirements {
  engine: string;
  publisher: string;
  sources: string[];
  constraints: Constraint[];
  /** Constraints that cannot match anything (unknown operator in a stored row). */
  brokenConstraints: string[];
  request: Capacity;
}

export function jobRequirements(job: Job, task: Task, request: Capacity): JobRequirements {
  const constraints: Constraint[] = [];
  const brokenConstraints: string[] = [];
  for (const c of job.Constraints) {
    const op = CONSTRAINT_OPERATORS.find((known) => known === c.Operator);
    if (op === undefined)
      brokenConstraints.push(`constraint on ${c.Key} has unknown operator "${c.Operator}"`);
    else constraints.push({ Key: c.Key, Operator: op, Values: c.Values ?? [] });
  }
  const sources = [...new Set(task.InputSources.map((i) => i.Source.Type).filter((t) => t !== ''))];
  return {
    engine: task.Engine.Type,
    publisher: task.Publisher.Type,
    sources,
    constraints,
    brokenConstraints,
    request,
  };
}

function reject(node: NodeCandidate, code: RejectionCode, why: string, subject?: string): NodeRejection {
  const nodeId = node.Info.NodeID;
  return {
    nodeId,
    code,
    reason: `${nodeLabel(nodeId)}: ${why}`,
    ...(subject === undefined ? {} : { subject }),
  };
}

/** The largest amount of a resource one execution may ask of this node. */
function perJobLimit(node: NodeCandidate, resource: Resource): number {
  const info = node.Info.ComputeNodeInfo;
  if (!info) return 0;
  const max = units(info.MaxCapacity, resource);
  // Agents that set no per-job limit report 0: that means "up to the whole node", not "nothing".
  const perJob = units(info.MaxJobRequirements, resource);
  return perJob > 0 ? Math.min(perJob, max) : max;
}

/** Everything that does not depend on what else runs on the node. */
export function checkStatic(node: NodeCandidate, req: JobRequirements): NodeRejection | undefined {
  const info = node.Info.ComputeNodeInfo;
  if (node.Info.NodeType !== NodeType.Compute || !info)
    return reject(node, 'not-compute', 'not a compute node');
  if (node.Membership !== NodeMembership.Approved) {
    return reject(node, 'membership', `not approved (${node.Membership})`);
  }
  if (node.Connection !== NodeConnection.Connected) return reject(node, 'disconnected', 'disconnected');
  if (!node.healthy) return reject(node, 'unhealthy', 'unhealthy');
  if (!info.ExecutionEngines.includes(req.engine)) {
    return reject(node, 'engine', `does not support engine ${req.engine}`, req.engine);
  }
  if (req.publisher !== '' && !info.Publishers.includes(req.publisher)) {
    return reject(node, 'publisher', `does not support publisher ${req.publisher}`, req.publisher);
  }
  const source = req.sources.find((s) => !info.StorageSources.includes(s));
  if (source !== undefined) return reject(node, 'storage', `does not support input source ${source}`, source);
  const labels = node.Info.Labels;
  const mismatches = [
    ...req.brokenConstraints,
    ...req.constraints.flatMap((c) => explainMismatch(c, labels) ?? []),
  ];
  if (mismatches.length > 0) return reject(node, 'constraint', mismatches.join(', '));
  const tooLarge = RESOURCES.filter((r) => units(req.request, r) > perJobLimit(node, r)).map(
    (r) =>
      `${resourceName(r)} request exceeds what the node allows per job ` +
      `(needs ${formatAmount(r, units(req.request, r))}, at most ${formatAmount(r, perJobLimit(node, r))})`,
  );
  if (tooLarge.length > 0) return reject(node, 'too-large', tooLarge.join(', '));
  return undefined;
}

/**
 * Room left with oversubscription: usage + request ≤ overcommit × MaxCapacity, plus the node's
 * queue (QueueCapacity) if it has one: work beyond what it runs at once waits there for room, and
 * the node starts it as running work ends. GPUs are whole devices that containers cannot share, so
 * they are never oversubscribed: the agent would refuse.
 */
export function checkCapacity(
  node: NodeCandidate,
  usage: Capacity,
  request: Capacity,
  overcommit: number,
): NodeRejection | undefined {
  const info = node.Info.ComputeNodeInfo;
  if (!info) return reject(node, 'not-compute', 'not a compute node');
  const shortfalls = capacityShortfalls(request, usage, info.MaxCapacity, overcommit, info.QueueCapacity);
  if (shortfalls.length === 0) return undefined;
  const why = shortfalls.map(
    ({ resource: r, needs, free }) =>
      `not enough ${resourceName(r)} (needs ${formatAmount(r, needs)}, ${formatAmount(r, free)} free)`,
  );
  // The subject names what the job needs free (`2 CPU`), so a queue reason can say it in one line.
  const needed = shortfalls.map(({ resource: r, needs }) => `${formatAmount(r, needs)} ${resourceName(r)}`);
  return reject(node, 'capacity', why.join(', '), needed.join(' and '));
}

export interface FilterResult {
  eligible: NodeCandidate[];
  rejected: NodeRejection[];
}

/** `usageOf` lets a plan count what it has already placed on a node. */
export function filterNodes(
  nodes: readonly NodeCandidate[],
  req: JobRequirements,
  overcommit: number,
  usageOf: (node: NodeCandidate) => Capacity = (node) => node.usage,
): FilterResult {
  const eligible: NodeCandidate[] = [];
  const rejected: NodeRejection[] = [];
  for (const node of nodes) {
    const why = checkStatic(node, req) ?? checkCapacity(node, usageOf(node), req.request, overcommit);
    if (why) rejected.push(why);
    else eligible.push(node);
  }
  return { eligible, rejected };
}
