import {
  AgentDebugResponseSchema,
  AliveResponseSchema,
  AuthnRequestSchema,
  AuthnRequirementSchema,
  AuthnResponseSchema,
  BuildVersionInfoSchema,
  ErrorBodySchema,
  ExecutionSchema,
  GetJobResponseSchema,
  GetNodeResponseSchema,
  JobHistorySchema,
  JobSchema,
  ListAuthnMethodsResponseSchema,
  ListJobExecutionsResponseSchema,
  ListJobHistoryResponseSchema,
  ListJobResultsResponseSchema,
  ListJobsResponseSchema,
  ListNodesResponseSchema,
  NanosSchema,
  NodeInfoSchema,
  NodeStateSchema,
  PutJobRequestSchema,
  PutJobResponseSchema,
  PutNodeRequestSchema,
  PutNodeResponseSchema,
  SpecConfigSchema,
  StopJobRequestSchema,
  StopJobResponseSchema,
  TaskSchema,
  WireExecutionSchema,
  WireNodeInfoSchema,
  WireNodeStateSchema,
} from '@shoal/models';
import { z } from 'zod';
import { AgentConfigResponseSchema, ReadyResponseSchema } from '../routes/agent.js';
import { LogFrameDocSchema } from '../routes/logs.js';

/**
 * The component schemas of the OpenAPI document, generated from the same zod schemas that shape
 * every response (and the request envelopes). A local registry keeps the ids out of zod's global
 * one, so the models package is not changed by the act of documenting it.
 */

export const OpenApiDocumentSchema = z.record(z.string(), z.unknown());

const COMPONENTS: ReadonlyArray<[z.ZodType, string, string?]> = [
  [ErrorBodySchema, 'ErrorBody', 'The body of every non-2xx answer.'],
  [JobSchema, 'Job'],
  [TaskSchema, 'Task'],
  [SpecConfigSchema, 'SpecConfig'],
  [ExecutionSchema, 'Execution'],
  [
    WireExecutionSchema,
    'WireExecution',
    'An execution as sent: RunOutput also carries ErrorMsg, Go’s name for runnerError.',
  ],
  [JobHistorySchema, 'JobHistory'],
  [NodeStateSchema, 'NodeState'],
  [NodeInfoSchema, 'NodeInfo'],
  [
    WireNodeInfoSchema,
    'WireNodeInfo',
    'NodeInfo with its build info also as BacalhauVersion, the name Go clients read.',
  ],
  [
    WireNodeStateSchema,
    'WireNodeState',
    'NodeState (v1.3), with v1.1’s flat NodeInfo fields beside Info for v1.1 clients.',
  ],
  [BuildVersionInfoSchema, 'BuildVersionInfo'],
  [
    PutJobRequestSchema,
    'PutJobRequest',
    'Job: a job definition (see Job); every field is checked by the server. IdempotencyToken: optional; a PUT repeating one answers the first PUT’s ids and makes no job.',
  ],
  [PutJobResponseSchema, 'PutJobResponse'],
  [GetJobResponseSchema, 'GetJobResponse'],
  [ListJobsResponseSchema, 'ListJobsResponse'],
  [StopJobRequestSchema, 'StopJobRequest'],
  [StopJobResponseSchema, 'StopJobResponse'],
  [ListJobHistoryResponseSchema, 'ListJobHistoryResponse'],
  [ListJobExecutionsResponseSchema, 'ListJobExecutionsResponse'],
  [ListJobResultsResponseSchema, 'ListJobResultsResponse'],
  [ListNodesResponseSchema, 'ListNodesResponse'],
  [GetNodeResponseSchema, 'GetNodeResponse'],
  [PutNodeRequestSchema, 'PutNodeRequest'],
  [PutNodeResponseSchema, 'PutNodeResponse'],
  [AliveResponseSchema, 'AliveResponse'],
  [ReadyResponseSchema, 'ReadyResponse'],
  [AgentDebugResponseSchema, 'AgentDebugResponse'],
  [ListAuthnMethodsResponseSchema, 'ListAuthnMethodsResponse'],
  [AuthnRequirementSchema, 'AuthnRequirement'],
  [AuthnRequestSchema, 'AuthnRequest'],
  [AuthnResponseSchema, 'AuthnResponse'],
  [AgentConfigResponseSchema, 'AgentConfigResponse'],
  [OpenApiDocumentSchema, 'OpenApiDocument'],
  [LogFrameDocSchema, 'LogFrame'],
];

export const componentRegistry = z.registry<{ id: string; description?: string }>();
for (const [schema, id, description] of COMPONENTS) {
  componentRegistry.add(schema, description === undefined ? { id } : { id, description });
}

export const schemaRef = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** The `$ref` for a registered schema; an unregistered one is a bug in a route's spec. */
export function refFor(schema: z.ZodType): { $ref: string } {
  const id = componentRegistry.get(schema)?.id;
  if (id === undefined)
    throw new Error('a route uses a schema that is not registered in openapi/components.ts');
  return schemaRef(id);
}

type JsonSchema = Record<string, unknown>;

/**
 * int64 nanoseconds are bigint in memory and widened by a transform, which JSON Schema cannot
 * express on its own; the override states what goes on the wire: an integer of format int64.
 */
export const jsonSchemaOptions = {
  target: 'draft-2020-12',
  io: 'output',
  unrepresentable: 'any',
  override: (ctx: { zodSchema: unknown; jsonSchema: JsonSchema }) => {
    const def = (ctx.zodSchema as { _zod?: { def?: { type?: string } } })._zod?.def;
    if (ctx.zodSchema === NanosSchema || def?.type === 'bigint') {
      for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
      Object.assign(ctx.jsonSchema, { type: 'integer', format: 'int64' });
    }
  },
} as const;

/** Drops the keys a standalone JSON Schema carries but an embedded OpenAPI schema must not. */
export function embedded(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

export function componentSchemas(): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(componentRegistry, {
    ...jsonSchemaOptions,
    uri: (id) => `#/components/schemas/${id}`,
  });
  return Object.fromEntries(Object.entries(schemas).map(([id, s]) => [id, embedded(s as JsonSchema)]));
}
