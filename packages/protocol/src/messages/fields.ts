import {
  type CapacitySchema,
  ComputeNodeInfoSchema,
  isValidIdQuery,
  isValidNodeId,
  NodeInfoSchema,
} from '@shoal/models';
import { z } from 'zod';

/**
 * Field schemas shared by the messages. What arrives over NATS is untrusted input from another
 * process, so the wire versions are stricter than the models' and say what is
 * wrong in words an operator can act on.
 */

export const INT64_MAX = 2n ** 63n - 1n;

/**
 * A non-negative int64 (sequence numbers, nanosecond times). Small values arrive as numbers from
 * decodeJson; they are widened so that callers only ever see bigint.
 */
export function int64(what: string) {
  return z.union([z.bigint(), z.number()]).transform((value, ctx): bigint => {
    if (typeof value === 'number' && !Number.isInteger(value)) {
      ctx.addIssue({ code: 'custom', message: `${what} must be an integer, got ${value}` });
      return z.NEVER;
    }
    const n = BigInt(value);
    if (n < 0n || n > INT64_MAX) {
      ctx.addIssue({ code: 'custom', message: `${what} must be between 0 and 2^63-1, got ${n}` });
      return z.NEVER;
    }
    return n;
  });
}

export const SeqSchema = int64('seq');
export const NanosWireSchema = int64('time (Unix nanoseconds)');

/** Job, execution and message ids: one safe token, never a path or a subject fragment. */
export const IdSchema = z.string().refine(isValidIdQuery, {
  error: 'must be 1-255 letters, digits, "-" or "_"',
});

export const NodeIdSchema = z.string().refine(isValidNodeId, {
  error: 'node id must be 1-255 letters, digits, "-" or "_" (it is a NATS subject token)',
});

// 100 000 cores (the models' own bound) and 2^53 bytes (8 PiB) are far beyond any machine; larger
// values are typos or attacks, and would make the scheduler's arithmetic lose precision.
const MAX_CPU = 100_000;
const MAX_GPU = 1024;

function bounded(field: string, unit: string, max: number, integer: boolean) {
  return z.unknown().transform((value, ctx): number => {
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message: `${field} ${message}` });
      return z.NEVER;
    };
    if (typeof value === 'bigint') return fail(`of ${value} ${unit} is absurd (the maximum is ${max})`);
    if (typeof value !== 'number' || Number.isNaN(value)) {
      return fail(
        `must be a number of ${unit}, got ${typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value}`,
      );
    }
    if (value < 0) return fail(`must not be negative, got ${value}`);
    if (value > max || !Number.isFinite(value)) {
      return fail(`of ${value} ${unit} is absurd (the maximum is ${max})`);
    }
    if (integer && !Number.isInteger(value)) return fail(`must be a whole number of ${unit}, got ${value}`);
    return value;
  });
}

/** Capacity as it crosses the wire: the models' shape with sanity bounds. */
export const WireCapacitySchema = z.object({
  CPU: bounded('CPU', 'cores', MAX_CPU, false),
  Memory: bounded('Memory', 'bytes', Number.MAX_SAFE_INTEGER, true),
  Disk: bounded('Disk', 'bytes', Number.MAX_SAFE_INTEGER, true),
  GPU: bounded('GPU', 'GPUs', MAX_GPU, true),
}) satisfies z.ZodType<z.output<typeof CapacitySchema>>;

export const WireComputeNodeInfoSchema = ComputeNodeInfoSchema.extend({
  MaxCapacity: WireCapacitySchema,
  AvailableCapacity: WireCapacitySchema,
  MaxJobRequirements: WireCapacitySchema,
  QueueCapacity: WireCapacitySchema.optional(),
});

/** NodeInfo with a NodeID that is a valid subject token and capacities that make sense. */
export const WireNodeInfoSchema = NodeInfoSchema.extend({
  NodeID: NodeIdSchema,
  ComputeNodeInfo: WireComputeNodeInfoSchema.optional(),
});
