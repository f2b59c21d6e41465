import { type Capacity, NodeType } from '@shoal/models';
import { type Payload, PROTOCOL_VERSION, versionMismatchReason } from '@shoal/protocol';

/**
 * Why a node's self-description is refused, beyond what the wire schema already bounds (negative or
 * absurdly large numbers never get this far). Undefined when it is acceptable.
 */

type WireNodeInfo = Payload<'Handshake'>['NodeInfo'];

const DIMENSIONS = ['CPU', 'Memory', 'Disk', 'GPU'] as const satisfies readonly (keyof Capacity)[];

export function nodeInfoProblem(info: WireNodeInfo): string | undefined {
  if (info.NodeType !== NodeType.Compute) {
    return `only compute nodes can join: NodeType is ${info.NodeType}`;
  }
  const compute = info.ComputeNodeInfo;
  if (!compute) return 'ComputeNodeInfo is missing: a compute node must describe its engines and capacity';
  const max = compute.MaxCapacity;
  if (max.CPU <= 0 || max.Memory <= 0) {
    return `MaxCapacity must have CPU and Memory above zero (CPU ${max.CPU}, Memory ${max.Memory})`;
  }
  for (const key of DIMENSIONS) {
    const available = compute.AvailableCapacity[key];
    if (available > max[key]) {
      return `AvailableCapacity.${key} of ${available} exceeds MaxCapacity.${key} of ${max[key]}`;
    }
  }
  return undefined;
}

/** Version skew is answered with both versions and what to do. */
export function handshakeProblem(payload: Payload<'Handshake'>): string | undefined {
  if (payload.ProtocolVersion !== PROTOCOL_VERSION) return versionMismatchReason(payload.ProtocolVersion);
  return nodeInfoProblem(payload.NodeInfo);
}
