import { z } from 'zod';
import type { JobType } from '../enums.js';
import { JOB_TYPES } from '../enums.js';
import { NanosSchema, StringMapSchema } from './common.js';
import { JobStateSchema } from './states.js';
import { TaskSchema } from './task.js';

export const JobTypeSchema = z.enum(JOB_TYPES as [JobType, ...JobType[]]);

/** A constraint as stored; submissions are checked by `ConstraintSchema` in constraints.ts. */
export const StoredConstraintSchema = z.object({
  Key: z.string(),
  Operator: z.string(),
  Values: z.array(z.string()).optional(),
});

export const JobSchema = z.object({
  ID: z.string(),
  Name: z.string(),
  Namespace: z.string(),
  Type: JobTypeSchema,
  Priority: z.int(),
  Count: z.int().nonnegative(),
  Constraints: z.array(StoredConstraintSchema),
  Meta: StringMapSchema,
  Labels: StringMapSchema,
  Tasks: z.array(TaskSchema),
  State: JobStateSchema,
  Version: z.int().nonnegative(),
  Revision: z.int().nonnegative(),
  CreateTime: NanosSchema,
  ModifyTime: NanosSchema,
});
export type Job = z.infer<typeof JobSchema>;
