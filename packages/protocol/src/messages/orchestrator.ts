import { JobSchema } from '@shoal/models';
import { z } from 'zod';
import { IdSchema } from './fields.js';

/**
 * Orchestrator → agent, on `shoal.compute.<nodeId>.in`, sequenced and acknowledged. Every message
 * names its execution so the agent can apply it idempotently (a duplicate AskForBid or
 * BidAccepted is a no-op).
 */

/**
 * Carries the whole Job, so the agent can bid and run without calling the API (it may not even
 * be able to reach it). With WaitForApproval false the agent may start at once if it bids yes.
 */
export const AskForBidSchema = z.object({
  ExecutionID: IdSchema,
  JobID: IdSchema,
  Partition: z.int().nonnegative(),
  WaitForApproval: z.boolean(),
  Job: JobSchema,
});

export const BidAcceptedSchema = z.object({ ExecutionID: IdSchema });

export const BidRejectedSchema = z.object({ ExecutionID: IdSchema, Reason: z.string() });

/** Kill the execution's container (stop, lost node, reassigned bid); idempotent on the agent. */
export const CancelExecutionSchema = z.object({ ExecutionID: IdSchema, Reason: z.string() });
