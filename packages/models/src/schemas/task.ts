import { z } from 'zod';
import type { NetworkType } from '../enums.js';
import { NETWORK_TYPES } from '../enums.js';
import { SpecConfigSchema, StringMapSchema } from './common.js';

/**
 * A task as stored and served. Optional keys stay optional so that documents written by Bacalhau
 * (the v1 jobs API's examples) re-encode key for key; Shoal's own jobs always carry every key.
 */

export const ResourcesConfigSchema = z.object({
  CPU: z.string(),
  Memory: z.string(),
  Disk: z.string(),
  GPU: z.string(),
});
export type ResourcesConfig = z.infer<typeof ResourcesConfigSchema>;

export const NetworkTypeSchema = z.enum(NETWORK_TYPES as [NetworkType, ...NetworkType[]]);

export const NetworkConfigSchema = z.object({
  Type: NetworkTypeSchema,
  Domains: z.array(z.string()).optional(),
});
export type NetworkConfig = z.infer<typeof NetworkConfigSchema>;

/** Seconds. 0 means "no timeout". */
export const TimeoutConfigSchema = z.object({
  ExecutionTimeout: z.int().nonnegative().optional(),
  QueueTimeout: z.int().nonnegative().optional(),
  TotalTimeout: z.int().nonnegative().optional(),
});
export type TimeoutConfig = z.infer<typeof TimeoutConfigSchema>;

export const InputSourceSchema = z.object({
  Source: SpecConfigSchema,
  Alias: z.string(),
  Target: z.string(),
});
export type InputSource = z.infer<typeof InputSourceSchema>;

export const ResultPathSchema = z.object({ Name: z.string(), Path: z.string() });
export type ResultPath = z.infer<typeof ResultPathSchema>;

export const TaskSchema = z.object({
  Name: z.string(),
  Engine: SpecConfigSchema,
  Publisher: SpecConfigSchema,
  Env: StringMapSchema,
  Meta: StringMapSchema,
  InputSources: z.array(InputSourceSchema),
  ResultPaths: z.array(ResultPathSchema),
  Resources: ResourcesConfigSchema,
  Network: NetworkConfigSchema,
  Timeouts: TimeoutConfigSchema,
});
export type Task = z.infer<typeof TaskSchema>;
