import { formatPath } from '@shoal/models';
import type { z } from 'zod';

/**
 * The agent re-validates every source's Params with the models' schema: it trusts no one with what
 * it fetches or mounts. A bad one is refused with the field named, as on submission.
 */
export function parseParams<T>(schema: z.ZodType<T>, params: unknown): T {
  const parsed = schema.safeParse(params ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${formatPath(['Params', ...i.path])}: ${i.message}`);
  throw new Error(`invalid source: ${problems.join('; ')}`);
}
