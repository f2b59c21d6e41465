import { RunOutputSchema, SpecConfigSchema } from '@shoal/models';
import { z } from 'zod';
import { IdSchema } from './fields.js';

/**
 * Agent → orchestrator, on `shoal.compute.<nodeId>.out`, sequenced and acknowledged. These are the
 * agent's reports; the orchestrator checks each against the execution's state and its node
 * (bad input 24) and applies it at most once.
 */

/** The agent's answer to AskForBid; Reason says why not (`insufficient memory`). */
export const BidResultSchema = z.object({
  ExecutionID: IdSchema,
  Accepted: z.boolean(),
  Reason: z.string(),
});

/** The execution completed (whatever its exit code: Bacalhau semantics). */
export const RunResultSchema = z.object({
  ExecutionID: IdSchema,
  RunOutput: RunOutputSchema,
  PublishedResult: SpecConfigSchema,
});

/** The execution failed (OOM, timeout, Docker error, missing image); Error is the reason. */
export const ComputeErrorSchema = z.object({ ExecutionID: IdSchema, Error: z.string() });

/** Finer progress (pulling image, running, publishing) for State.Message and history. */
export const ExecutionProgressSchema = z.object({ ExecutionID: IdSchema, Message: z.string() });
