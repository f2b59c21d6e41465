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
