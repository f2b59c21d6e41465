import { z } from 'zod';
import type { ComputeStateType, DesiredStateType, JobStateType } from '../enums.js';
import { COMPUTE_STATES, DESIRED_STATES, JOB_STATES } from '../enums.js';
import { stateChangeSchema, stateSchema } from './common.js';

export const JobStateTypeSchema = z.enum(JOB_STATES as [JobStateType, ...JobStateType[]]);
export const ComputeStateTypeSchema = z.literal(COMPUTE_STATES as [ComputeStateType, ...ComputeStateType[]]);
export const DesiredStateTypeSchema = z.literal(DESIRED_STATES as [DesiredStateType, ...DesiredStateType[]]);

export const JobStateSchema = stateSchema(JobStateTypeSchema);
export type JobState = z.infer<typeof JobStateSchema>;
export const ComputeStateSchema = stateSchema(ComputeStateTypeSchema);
export type ComputeState = z.infer<typeof ComputeStateSchema>;
export const DesiredStateSchema = stateSchema(DesiredStateTypeSchema);
export type DesiredState = z.infer<typeof DesiredStateSchema>;

export const JobStateChangeSchema = stateChangeSchema(JobStateTypeSchema);
export const ComputeStateChangeSchema = stateChangeSchema(ComputeStateTypeSchema);
