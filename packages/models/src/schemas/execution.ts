import { z } from 'zod';
import { NanosSchema, SpecConfigSchema } from './common.js';
import { ComputeStateSchema, DesiredStateSchema } from './states.js';

/** What a run produced. The lower-case keys are the v1 jobs API's, and they are the wire contract. */
export const RunOutputSchema = z.object({
  stdout: z.string(),
  stdouttruncated: z.boolean(),
  stderr: z.string(),
  stderrtruncated: z.boolean(),
  exitCode: z.int(),
  runnerError: z.string(),
});
export type RunOutput = z.infer<typeof RunOutputSchema>;

export const AllocatedResourcesSchema = z.object({
  Tasks: z.record(z.string(), z.unknown()),
});

export const ExecutionSchema = z.object({
  ID: z.string(),
  Namespace: z.string(),
  EvalID: z.string(),
  Name: z.string(),
  NodeID: z.string(),
  JobID: z.string(),
  AllocatedResources: AllocatedResourcesSchema,
  DesiredState: DesiredStateSchema,
  ComputeState: ComputeStateSchema,
  PublishedResult: SpecConfigSchema,
  RunOutput: RunOutputSchema.nullable(),
  PreviousExecution: z.string(),
  NextExecution: z.string(),
  FollowupEvalID: z.string(),
  Revision: z.int().nonnegative(),
  CreateTime: NanosSchema,
  ModifyTime: NanosSchema,
});
export type Execution = z.infer<typeof ExecutionSchema>;

/**
 * An execution as the API sends it: its RunOutput also carries ErrorMsg, the name Go's
 * RunCommandResult gives the runner's error (Go reads the other keys whatever their case).
 */
export const WireExecutionSchema = ExecutionSchema.extend({
  RunOutput: RunOutputSchema.extend({ ErrorMsg: z.string().optional() }).nullable(),
});
export type WireExecution = z.infer<typeof WireExecutionSchema>;
