import { isValidIdQuery, JobSchema, RunOutputSchema, SpecConfigSchema } from '@shoal/models';
import { z } from 'zod';

/**
 * The agent's own view of the stream messages it receives and sends. They mirror the wire
 * protocol's payloads field for field (packages/protocol/src/messages), but are defined here so the
 * agent's core does not depend on the transport: a thin adapter maps envelopes to these and back.
 * Inbound commands are re-validated here because the manager must never trust its caller.
 */

const IdSchema = z.string().refine(isValidIdQuery, { error: 'must be 1-255 letters, digits, "-" or "_"' });

// ---- orchestrator → agent ----

export const AskForBidSchema = z.object({
  ExecutionID: IdSchema,
  JobID: IdSchema,
  Partition: z.int().nonnegative(),
  WaitForApproval: z.boolean(),
  Job: JobSchema,
});
export type AskForBid = z.output<typeof AskForBidSchema>;

export const BidAcceptedSchema = z.object({ ExecutionID: IdSchema });
export type BidAccepted = z.output<typeof BidAcceptedSchema>;

export const BidRejectedSchema = z.object({ ExecutionID: IdSchema, Reason: z.string() });
export type BidRejected = z.output<typeof BidRejectedSchema>;

export const CancelExecutionSchema = z.object({ ExecutionID: IdSchema, Reason: z.string() });
export type CancelExecution = z.output<typeof CancelExecutionSchema>;

// ---- agent → orchestrator (the reports the outbox holds) ----

/** OutOfCapacity: refused only for lack of free room, so the orchestrator may simply ask again later. */
export const BidResultSchema = z.object({
  ExecutionID: IdSchema,
  Accepted: z.boolean(),
  Reason: z.string(),
  OutOfCapacity: z.boolean().optional(),
});
/** The task ran to its end; a non-zero RunOutput.exitCode fails the execution. */
export const RunResultSchema = z.object({
  ExecutionID: IdSchema,
  RunOutput: RunOutputSchema,
  PublishedResult: SpecConfigSchema,
});
/** RunOutput: what the task printed before it was stopped. Final: another node would fail alike. */
export const ComputeErrorSchema = z.object({
  ExecutionID: IdSchema,
  Error: z.string(),
  RunOutput: RunOutputSchema.optional(),
  Final: z.boolean().optional(),
});
/** The answer to a cancel (or a rejected bid): the run has stopped and its resources are free. */
export const ExecutionCancelledSchema = z.object({
  ExecutionID: IdSchema,
  Message: z.string(),
  RunOutput: RunOutputSchema.optional(),
});
export const ExecutionProgressSchema = z.object({ ExecutionID: IdSchema, Message: z.string() });

export const REPORT_SCHEMAS = {
  BidResult: BidResultSchema,
  RunResult: RunResultSchema,
  ComputeError: ComputeErrorSchema,
  ExecutionCancelled: ExecutionCancelledSchema,
  ExecutionProgress: ExecutionProgressSchema,
} as const;

export type ReportType = keyof typeof REPORT_SCHEMAS;
export type ReportPayload<T extends ReportType> = z.output<(typeof REPORT_SCHEMAS)[T]>;

/** A discriminated union, so `switch (report.type)` narrows the payload. */
export type Report = { [T in ReportType]: { type: T; payload: ReportPayload<T> } }[ReportType];

export function isReportType(value: string): value is ReportType {
  return Object.hasOwn(REPORT_SCHEMAS, value);
}

/** One line listing every problem of a rejected message: `Job.Tasks: expected array`. */
export function describeIssues(error: z.ZodError, prefix: readonly string[] = []): string {
  return error.issues
    .map((issue) => {
      const path = [...prefix, ...issue.path.map(String)];
      return path.length > 0 ? `${path.join('.')}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/** The ExecutionID of a message that failed validation, if it has a usable one to answer to. */
export function salvageExecutionId(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const id = (message as { ExecutionID?: unknown }).ExecutionID;
  return typeof id === 'string' && isValidIdQuery(id) ? id : undefined;
}
