import { z } from 'zod';
import { SpecConfigSchema } from './common.js';
import { EvaluationSchema } from './evaluation.js';
import { WireExecutionSchema } from './execution.js';
import { JobHistorySchema } from './history.js';
import { JobSchema } from './job.js';
import { BuildVersionInfoSchema, NodeInfoSchema, NodeStateSchema } from './node.js';

/**
 * Request and response bodies of the v1 API. Responses are what the server sends; the job inside
 * a PutJobRequest is checked by `prepareJobSubmission`, which reports every problem at once.
 */

/**
 * What every request body may carry besides its own fields (Bacalhau's BaseRequest and
 * BasePutRequest). Headers, Credential and Context are accepted for Go clients and not acted on:
 * Shoal reads credentials from the HTTP Authorization header.
 */
const BaseRequestFields = {
  Namespace: z.string().max(255).optional(),
  /**
   * Names the submission, so that retrying it is safe: a PUT whose token was already used in the
   * job's namespace answers the first PUT's ids and makes no job. Empty means none.
   */
  IdempotencyToken: z.string().max(256).optional(),
  Headers: z.record(z.string(), z.string()).optional(),
  Credential: z.unknown().optional(),
  Context: z.unknown().optional(),
};

export const PutJobRequestSchema = z.strictObject({
  ...BaseRequestFields,
  Job: z.unknown(),
});
export type PutJobRequest = z.infer<typeof PutJobRequestSchema>;

export const PutJobResponseSchema = z.object({
  JobID: z.string(),
  EvaluationID: z.string(),
  Warnings: z.array(z.string()),
});
export type PutJobResponse = z.infer<typeof PutJobResponseSchema>;

export const ListJobHistoryResponseSchema = z.object({
  // Key order follows the v1 jobs API's examples (test-data/).
  NextToken: z.string(),
  History: z.array(JobHistorySchema),
});
export type ListJobHistoryResponse = z.infer<typeof ListJobHistoryResponseSchema>;

export const ListJobExecutionsResponseSchema = z.object({
  // Key order follows the v1 jobs API's examples (test-data/).
  NextToken: z.string(),
  Executions: z.array(WireExecutionSchema),
});
export type ListJobExecutionsResponse = z.infer<typeof ListJobExecutionsResponseSchema>;

export const GetJobResponseSchema = z.object({
  Job: JobSchema,
  History: ListJobHistoryResponseSchema.optional(),
  Executions: ListJobExecutionsResponseSchema.optional(),
});
export type GetJobResponse = z.infer<typeof GetJobResponseSchema>;

export const ListJobsResponseSchema = z.object({
  Jobs: z.array(JobSchema),
  NextToken: z.string(),
});
export type ListJobsResponse = z.infer<typeof ListJobsResponseSchema>;

export const StopJobRequestSchema = z.strictObject({
  ...BaseRequestFields,
  /** The job is named by the path; Go's client also sends it here, where it is not used. */
  JobID: z.string().max(1024).optional(),
  Reason: z.string().max(1024).optional(),
});
/**
 * Go's StopJobResponse and PutNodeResponse have no Warnings: a body key that named no field is told
 * here, and the key is absent when there is none, so the answer is otherwise Go's own.
 */
const IgnoredKeysWarnings = z.array(z.string()).optional();

export const StopJobResponseSchema = z.object({ EvaluationID: z.string(), Warnings: IgnoredKeysWarnings });
export type StopJobResponse = z.infer<typeof StopJobResponseSchema>;

export const ListJobResultsResponseSchema = z.object({
  // Key order follows the v1 jobs API's examples (test-data/).
  NextToken: z.string(),
  Results: z.array(SpecConfigSchema),
});
export type ListJobResultsResponse = z.infer<typeof ListJobResultsResponseSchema>;

export const GetEvaluationResponseSchema = z.object({ Evaluation: EvaluationSchema });

/** A node's info on the wire: BacalhauVersion (Go's name) beside Version (see encode/nodes.ts). */
export const WireNodeInfoSchema = NodeInfoSchema.extend({
  BacalhauVersion: BuildVersionInfoSchema.optional(),
});

/** NodeState for v1.3 clients, with v1.1's flat NodeInfo fields beside it for v1.1 clients. */
export const WireNodeStateSchema = NodeStateSchema.extend({
  Info: WireNodeInfoSchema,
  NodeID: z.string().optional(),
  NodeType: NodeInfoSchema.shape.NodeType.optional(),
  Labels: NodeInfoSchema.shape.Labels.optional(),
  ComputeNodeInfo: NodeInfoSchema.shape.ComputeNodeInfo,
  BacalhauVersion: BuildVersionInfoSchema.optional(),
});

export const ListNodesResponseSchema = z.object({
  Nodes: z.array(WireNodeStateSchema),
  NextToken: z.string(),
});
export type ListNodesResponse = z.infer<typeof ListNodesResponseSchema>;

export const GetNodeResponseSchema = z.object({ Node: WireNodeStateSchema });
export type GetNodeResponse = z.infer<typeof GetNodeResponseSchema>;

export const NodeAction = { Approve: 'approve', Reject: 'reject', Delete: 'delete' } as const;
export type NodeAction = (typeof NodeAction)[keyof typeof NodeAction];

export const PutNodeRequestSchema = z.strictObject({
  ...BaseRequestFields,
  /** The node is named by the path; Go's client also sends it here, where it is not used. */
  NodeID: z.string().max(1024).optional(),
  Action: z.enum([NodeAction.Approve, NodeAction.Reject, NodeAction.Delete]),
  Message: z.string().max(1024).optional(),
});
export type PutNodeRequest = z.infer<typeof PutNodeRequestSchema>;

/** Go writes Error even when it is empty (no omitempty); the service leaves it out on success. */
export const PutNodeResponseSchema = z.object({
  Success: z.boolean(),
  Error: z.string().optional(),
  Warnings: IgnoredKeysWarnings,
});
export type PutNodeResponse = z.infer<typeof PutNodeResponseSchema>;

export const AliveResponseSchema = z.object({ Status: z.literal('OK') });
/** Go's GetVersionResponse embeds BuildVersionInfo, so its fields sit at the top. */
export const AgentVersionResponseSchema = BuildVersionInfoSchema;
export const AgentNodeResponseSchema = WireNodeInfoSchema;
export type AgentNodeResponse = z.infer<typeof AgentNodeResponseSchema>;
/** Go's agent/debug: one entry per component, what it is doing. */
export const AgentDebugResponseSchema = z.record(z.string(), z.record(z.string(), z.unknown()));
