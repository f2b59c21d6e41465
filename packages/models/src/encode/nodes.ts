import type { NodeInfo, NodeState } from '../schemas/node.js';
import { goBuildVersion } from './build-version.js';

/**
 * Nodes as they go on the wire, readable by every 1.x client at once. Go's client reads the
 * version from BacalhauVersion (Shoal's own clients read Version: both are written). Bacalhau
 * v1.1 lists and describes nodes as flat NodeInfo, v1.3 as NodeState `{Info, Membership,
 * Connection}`; a node carries both here, since each client ignores the keys it does not know.
 */

export type WireNodeInfo = NodeInfo & { BacalhauVersion: NodeInfo['Version'] };

export type WireNodeState = NodeState & {
  Info: WireNodeInfo;
} & Pick<WireNodeInfo, 'NodeID' | 'NodeType' | 'Labels' | 'ComputeNodeInfo' | 'BacalhauVersion'>;

export function wireNodeInfo(info: NodeInfo): WireNodeInfo {
  const version = goBuildVersion(info.Version);
  return { ...info, Version: version, BacalhauVersion: version };
}

export function wireNodeState(state: NodeState): WireNodeState {
  const info = wireNodeInfo(state.Info);
  return {
    Info: info,
    Membership: state.Membership,
    Connection: state.Connection,
    NodeID: info.NodeID,
    NodeType: info.NodeType,
    Labels: info.Labels,
    ...(info.ComputeNodeInfo === undefined ? {} : { ComputeNodeInfo: info.ComputeNodeInfo }),
    BacalhauVersion: info.BacalhauVersion,
  };
}
