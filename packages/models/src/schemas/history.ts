import { z } from 'zod';
import { HistoryEventType } from '../enums.js';
import { ComputeStateChangeSchema, JobStateChangeSchema } from './states.js';

/** One history event. `JobState`/`ExecutionState` is null when the event is of the other level. */
export const JobHistorySchema = z.object({
  Type: z.enum([HistoryEventType.JobLevel, HistoryEventType.ExecutionLevel]),
  JobID: z.string(),
  NodeID: z.string().optional(),
  ExecutionID: z.string().optional(),
  JobState: JobStateChangeSchema.nullable(),
  ExecutionState: ComputeStateChangeSchema.nullable(),
  NewRevision: z.int().nonnegative(),
  Comment: z.string(),
  /** RFC 3339 with nanoseconds, e.g. `2023-09-28T07:23:01.352803607Z`. */
  Time: z.string(),
});
export type JobHistory = z.infer<typeof JobHistorySchema>;
