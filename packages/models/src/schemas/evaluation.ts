import { z } from 'zod';
import { EvaluationStatus, EvaluationTrigger } from '../enums.js';
import { NanosSchema } from './common.js';
import { JobTypeSchema } from './job.js';

/** A request to (re)schedule a job; schedulers consume them one at a time per job. */
export const EvaluationSchema = z.object({
  ID: z.string(),
  Namespace: z.string(),
  JobID: z.string(),
  TriggeredBy: z.enum(Object.values(EvaluationTrigger) as [EvaluationTrigger, ...EvaluationTrigger[]]),
  Priority: z.int(),
  Type: JobTypeSchema,
  Status: z.enum(Object.values(EvaluationStatus) as [EvaluationStatus, ...EvaluationStatus[]]),
  Comment: z.string(),
  /** Not before this time (nanoseconds); 0 means now. Used for retry backoff and queue checks. */
  WaitUntil: NanosSchema,
  CreateTime: NanosSchema,
  ModifyTime: NanosSchema,
});
export type Evaluation = z.infer<typeof EvaluationSchema>;

/** A new, pending evaluation of `job`, due at `waitUntil` (0: now). */
export function newEvaluation(input: {
  id: string;
  job: Pick<Evaluation, 'Namespace' | 'Priority' | 'Type'> & { ID: string };
  trigger: EvaluationTrigger;
  comment: string;
  now: bigint;
  waitUntil?: bigint;
  /**
   * Where it stands in the queue (its CreateTime; evaluations are claimed by priority, then this).
   * One that re-examines a waiting job takes the job's submit time, so waiting jobs are served
   * first come, first served. Default: now.
   */
  queuedSince?: bigint;
}): Evaluation {
  return {
    ID: input.id,
    Namespace: input.job.Namespace,
    JobID: input.job.ID,
    TriggeredBy: input.trigger,
    Priority: input.job.Priority,
    Type: input.job.Type,
    Status: EvaluationStatus.Pending,
    Comment: input.comment,
    WaitUntil: input.waitUntil ?? 0n,
    CreateTime: input.queuedSince ?? input.now,
    ModifyTime: input.now,
  };
}

/**
 * The queue's order, in which evaluations are claimed and handled: higher priority first, then
 * older first (CreateTime: a waiting job's re-evaluation takes its submit time), then by id.
 */
export function inQueueOrder(a: Evaluation, b: Evaluation): number {
  if (a.Priority !== b.Priority) return b.Priority - a.Priority;
  if (a.CreateTime !== b.CreateTime) return a.CreateTime < b.CreateTime ? -1 : 1;
  return a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0;
}
