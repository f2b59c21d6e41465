import { RunOutputSchema, SpecConfigSchema } from '@shoal/models';
import { z } from 'zod';
import { IdSchema } from './fields.js';

/**
 * Agent → orchestrator, on `shoal.compute.<nodeId>.out`, sequenced and acknowledged. These are the
 * agent's reports; the orchestrator checks each against the execution's state and its node
 * and applies it at most once.
 */

/**
 * The agent's answer to AskForBid; Reason says why not (`not enough CPU: …`). OutOfCapacity marks a
 * refusal for lack of free room only: waiting may help, so the orchestrator queues the job again
 * without counting an attempt, instead of trying the node's refusal as a failure.
 */
export const BidResultSchema = z.object({
  ExecutionID: IdSchema,
  Accepted: z.boolean(),
  Reason: z.string(),
  OutOfCapacity: z.boolean().optional(),
  /**
   * Accepted, but the run waits on the node for room (its queue): its ExecutionTimeout has not
   * started. An ExecutionProgress with Phase Started says when it does.
   */
  Waiting: z.boolean().optional(),
});

/**
 * The task ran to its end. RunOutput.exitCode is its answer: 0 completes the execution, anything
 * else fails it (and the job), as a Kubernetes Job or a Nomad batch task would; it is not retried.
 */
export const RunResultSchema = z.object({
  ExecutionID: IdSchema,
  RunOutput: RunOutputSchema,
  PublishedResult: SpecConfigSchema,
});

/**
 * The execution failed without a result of its own: Docker error, missing image, lost container,
 * publisher failure, or its ExecutionTimeout. Error is the reason. RunOutput is what the task
 * printed before it was stopped, when it ran at all. Final marks a failure that another node would
 * repeat (the task timed out): the job fails; otherwise the orchestrator retries elsewhere.
 */
export const ComputeErrorSchema = z.object({
  ExecutionID: IdSchema,
  Error: z.string(),
  RunOutput: RunOutputSchema.optional(),
  Final: z.boolean().optional(),
});

/**
 * The answer to CancelExecution (or to BidRejected after a run had started): the run has stopped
 * and its resources are free on the node. Until it arrives the orchestrator keeps counting them.
 * RunOutput is what the task printed before the stop, when it ran.
 */
export const ExecutionCancelledSchema = z.object({
  ExecutionID: IdSchema,
  Message: z.string(),
  RunOutput: RunOutputSchema.optional(),
});

/**
 * Finer progress (pulling image, running, publishing) for State.Message and history. Phase marks
 * the two moments of a run that waits on its node for room: Waiting (an approved bid that must
 * wait; its timeout has not started) and Started (it runs from now: its timeout counts from here).
 */
export const ExecutionProgressSchema = z.object({
  ExecutionID: IdSchema,
  Message: z.string(),
  Phase: z.enum(['Waiting', 'Started']).optional(),
});
