import { z } from 'zod';

/** int64 Unix nanoseconds. Small values may arrive as numbers; they are widened to bigint. */
export const NanosSchema = z.union([z.bigint(), z.int().nonnegative()]).transform((v) => BigInt(v));

export const StringMapSchema = z.record(z.string(), z.string());

/** `{Type, Params}`: how engines, publishers, storage sources and results are described. */
export const SpecConfigSchema = z.object({
  Type: z.string(),
  Params: z.record(z.string(), z.unknown()).nullable(),
});
export type SpecConfig = z.infer<typeof SpecConfigSchema>;

/** `{StateType, Message}` for a given encoding of the state type. */
export function stateSchema<T extends z.ZodType>(stateType: T) {
  return z.object({ StateType: stateType, Message: z.string() });
}

/** `{Previous, New}` in history events. */
export function stateChangeSchema<T extends z.ZodType>(stateType: T) {
  return z.object({ Previous: stateType, New: stateType });
}
