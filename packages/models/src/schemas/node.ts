import { z } from 'zod';
import { NodeConnection, NodeMembership, NodeType } from '../enums.js';

/** Capacity in plain numbers: CPU in cores (fractions allowed), memory and disk in bytes. */
export const CapacitySchema = z.object({
  CPU: z.number().nonnegative().max(100_000),
  Memory: z.int().nonnegative(),
  Disk: z.int().nonnegative(),
  GPU: z.int().nonnegative().max(1024),
});
export type Capacity = z.infer<typeof CapacitySchema>;

export const BuildVersionInfoSchema = z.object({
  Major: z.string(),
  Minor: z.string(),
  GitVersion: z.string(),
  GitCommit: z.string(),
  BuildDate: z.string(),
  GOOS: z.string(),
  GOARCH: z.string(),
});
export type BuildVersionInfo = z.infer<typeof BuildVersionInfoSchema>;

export const ComputeNodeInfoSchema = z.object({
  ExecutionEngines: z.array(z.string()),
  Publishers: z.array(z.string()),
  StorageSources: z.array(z.string()),
  MaxCapacity: CapacitySchema,
  AvailableCapacity: CapacitySchema,
  MaxJobRequirements: CapacitySchema,
  RunningExecutions: z.int().nonnegative(),
  /** Accepted executions waiting on the node: for the orchestrator's approval, or for room to run. */
  EnqueuedExecutions: z.int().nonnegative(),
  /**
   * How much work the node lets wait for room, beyond what it runs at once (absent: none). The
   * orchestrator places on a node until what it holds reaches MaxCapacity × overcommit plus this;
   * the node starts the waiting work, in order, as running work ends.
   */
  QueueCapacity: CapacitySchema.optional(),
});
export type ComputeNodeInfo = z.infer<typeof ComputeNodeInfoSchema>;

export const NodeInfoSchema = z.object({
  NodeID: z.string(),
  NodeType: z.enum([NodeType.Compute, NodeType.Requester]),
  Labels: z.record(z.string(), z.string()),
  ComputeNodeInfo: ComputeNodeInfoSchema.optional(),
  Version: BuildVersionInfoSchema,
});
export type NodeInfo = z.infer<typeof NodeInfoSchema>;

export const NodeMembershipSchema = z.enum([
  NodeMembership.Pending,
  NodeMembership.Approved,
  NodeMembership.Rejected,
]);
export const NodeConnectionSchema = z.enum([NodeConnection.Connected, NodeConnection.Disconnected]);

export const NodeStateSchema = z.object({
  Info: NodeInfoSchema,
  Membership: NodeMembershipSchema,
  Connection: NodeConnectionSchema,
});
export type NodeState = z.infer<typeof NodeStateSchema>;
