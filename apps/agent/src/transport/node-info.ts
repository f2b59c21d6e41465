import { readFileSync } from 'node:fs';
import { type BuildVersionInfo, buildVersionInfo, type NodeInfo, NodeType } from '@shoal/models';
import type { Payload } from '@shoal/protocol';
import type { ExecutionManager } from '../execution/execution-manager.js';
import type { Executor } from '../executor/executor.js';
import { toCapacity } from '../node/capacity.js';

/**
 * What the agent says about itself on the control channel: its NodeInfo in a handshake, its load
 * and health in a heartbeat. Both read the manager at the moment of sending, so the orchestrator
 * never schedules against numbers older than one heartbeat.
 */

export interface NodeDescription {
  nodeId: string;
  labels: Record<string, string>;
  manager: ExecutionManager;
  executors: readonly Executor[];
  version: BuildVersionInfo;
}

export async function nodeInfo(d: NodeDescription): Promise<NodeInfo> {
  return {
    NodeID: d.nodeId,
    NodeType: NodeType.Compute,
    Labels: { ...d.labels },
    ComputeNodeInfo: await d.manager.computeNodeInfo(),
    Version: d.version,
  };
}

export async function heartbeatPayload(
  d: NodeDescription,
  lastSeqReceived: bigint,
): Promise<Payload<'Heartbeat'>> {
  const counts = await d.manager.counts();
  const health = engineHealth(d.executors);
  return {
    AvailableCapacity: toCapacity(counts.available),
    RunningExecutions: counts.running,
    EnqueuedExecutions: counts.enqueued,
    Healthy: health.healthy,
    ...(health.reason === undefined ? {} : { HealthReason: health.reason }),
    LastSeqReceived: lastSeqReceived,
  };
}

/** Unhealthy as soon as one engine is (a hung Docker daemon, say), saying which and why. */
export function engineHealth(executors: readonly Executor[]): { healthy: boolean; reason?: string } {
  const sick = executors
    .map((e) => e.capabilities())
    .filter((c) => !c.healthy)
    .map((c) => `${c.engine}: ${c.reason ?? 'unhealthy'}`);
  return sick.length === 0 ? { healthy: true } : { healthy: false, reason: sick.join('; ') };
}

/** This build's version, from the package.json beside src/ and dist/ (the orchestrator does the same). */
export function agentVersion(): BuildVersionInfo {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return buildVersionInfo({
    version: pkg.version,
    os: process.platform,
    arch: process.arch,
    ...(process.env.SHOAL_GIT_COMMIT === undefined ? {} : { gitCommit: process.env.SHOAL_GIT_COMMIT }),
    ...(process.env.SHOAL_BUILD_DATE === undefined ? {} : { buildDate: process.env.SHOAL_BUILD_DATE }),
  });
}
