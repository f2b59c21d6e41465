import { shortId } from '@shoal/models';
import type { NodeRejection } from './filter.js';

/**
 * The words the scheduler writes into states and history. Some are also read back (NODE_LOST marks
 * a server-side failure), so they live here as constants rather than inline strings.
 */

export const NODE_LOST = 'node has disappeared';
export const BID_ACCEPTED = 'bid accepted';
export const BID_REJECTED_PLACED = 'bid rejected: partition already placed';
export const PARTITION_COMPLETED = 'partition already completed';
export const NO_NODES_CONNECTED = 'no nodes are connected';

/** At most this many nodes are listed in one message; big clusters get a count for the rest. */
const MAX_LISTED = 10;

export function nodeLabel(nodeId: string): string {
  return `node ${shortId(nodeId)}`;
}

export function requestedOn(nodeId: string): string {
  return `Requested execution on ${shortId(nodeId)}`;
}

export function timedOut(seconds: number): string {
  return `execution timed out after ${seconds}s`;
}

export function listed(items: readonly string[]): string {
  const shown = items.slice(0, MAX_LISTED);
  const rest = items.length - shown.length;
  return rest > 0 ? `${shown.join('; ')}; and ${rest} more` : shown.join('; ');
}

/** Codes that say the node is not available at all, rather than unfit for this job. */
const UNAVAILABLE = new Set(['not-compute', 'membership', 'disconnected', 'unhealthy']);

export function isUnavailable(r: NodeRejection): boolean {
  return UNAVAILABLE.has(r.code);
}

/** `no node with 2 CPU and 1 GB memory free`: every resource some node was short of. */
function capacitySummary(rejections: readonly NodeRejection[]): string {
  const short = [...new Set(rejections.flatMap((r) => r.subject?.split(' and ') ?? []))];
  return short.length === 0 ? 'no node has enough free capacity' : `no node with ${short.join(' and ')} free`;
}

function summary(rejections: readonly NodeRejection[]): string {
  // Unavailable nodes say nothing about the job; judge it by the nodes that could have run it.
  const fit = rejections.filter((r) => !isUnavailable(r));
  const [first] = fit;
  // Capacity shortfalls differ from node to node in which resource is short; they agree on the job.
  const differs = (r: NodeRejection) =>
    r.code !== first?.code || (r.code !== 'capacity' && r.subject !== first.subject);
  if (!first || fit.some(differs)) {
    return 'no node fits';
  }
  switch (first.code) {
    case 'engine':
      return `no node supports engine ${first.subject}`;
    case 'publisher':
      return `no node supports publisher ${first.subject}`;
    case 'storage':
      return `no node supports input source ${first.subject}`;
    case 'constraint':
      return 'no node satisfies the constraints';
    case 'too-large':
      return 'no node is large enough';
    case 'capacity':
      return capacitySummary(fit);
    default:
      return 'no node fits';
  }
}

/**
 * Why nothing could be placed, naming each node and its reason:
 * `no node supports engine wasm: node n-1a2b: does not support engine wasm; …`.
 */
export function describeNoFit(rejections: readonly NodeRejection[]): string {
  if (rejections.length === 0) return NO_NODES_CONNECTED;
  const detail = listed(rejections.map((r) => r.reason));
  const connected = rejections.some((r) => r.code !== 'disconnected' && r.code !== 'not-compute');
  const checked = rejections.length === 1 ? '1 node checked' : `${rejections.length} nodes checked`;
  return `${connected ? summary(rejections) : NO_NODES_CONNECTED} (${checked}): ${detail}`;
}
