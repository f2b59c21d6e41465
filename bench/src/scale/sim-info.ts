import type { NodeInfo } from '@shoal/models';
import type { Payload } from '@shoal/protocol';

/**
 * What a simulated node says about itself: a noop-only compute node with the room of a mid-sized
 * machine, always healthy. The room never shrinks: the benchmark's jobs are noops that ask for
 * none, so placements are decided by the planner's ranking alone, not by capacity running out.
 */

const CAPACITY = { CPU: 16, Memory: 64 * 1024 ** 3, Disk: 500 * 1024 ** 3, GPU: 0 };

export function nodeInfo(nodeId: string, labels: Record<string, string>, running: number): NodeInfo {
  const Version = { Major: '0', Minor: '1', GitVersion: 'v0.1.0-sim', GitCommit: 'sim' };
  return {
    NodeID: nodeId,
    NodeType: 'Compute',
    Labels: labels,
    ComputeNodeInfo: {
      ExecutionEngines: ['noop'],
      Publishers: ['noop'],
      StorageSources: [],
      MaxCapacity: CAPACITY,
      AvailableCapacity: CAPACITY,
      MaxJobRequirements: CAPACITY,
      RunningExecutions: running,
      EnqueuedExecutions: 0,
    },
    Version: { ...Version, BuildDate: '', GOOS: 'linux', GOARCH: 'amd64' },
  };
}

export function heartbeatPayload(running: number, lastSeqReceived: bigint): Payload<'Heartbeat'> {
  return {
    AvailableCapacity: CAPACITY,
    RunningExecutions: running,
    EnqueuedExecutions: 0,
    Healthy: true,
    LastSeqReceived: lastSeqReceived,
  };
}
