import { encodeJson } from '@shoal/models';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { type ListDialect, listDialect } from './list-keys.js';

export const JSON_CONTENT_TYPE = 'application/json';

/**
 * Sends `value` as the route's response schema describes it. Parsing on the way out puts keys in
 * the v1 jobs API's order and drops anything the store keeps for itself (an execution's partition),
 * and `encodeJson` writes int64 nanoseconds as exact integer literals, which `c.json` would not.
 */
export function sendJson<S extends z.ZodType>(
  c: Context,
  schema: S,
  value: z.input<S>,
  status: ContentfulStatusCode = 200,
): Response {
  return sendRaw(c, schema.parse(value), status);
}

/**
 * Sends a list answer with its list under the key the client reads (list-keys.ts); `reshape`
 * renames or adds keys after the schema has put the body in the reference's order.
 */
export function sendList<S extends z.ZodType>(
  c: Context,
  schema: S,
  value: z.input<S>,
  reshape: (body: Record<string, unknown>, dialect: ListDialect) => Record<string, unknown>,
): Response {
  return sendRaw(c, reshape(schema.parse(value) as Record<string, unknown>, listDialect(c)));
}

/**
 * `{Warnings}` for an answer whose Go type has none (stop, node actions): present only when a body
 * key was ignored, so an answer without one is exactly what Go writes.
 */
export function warningsOf(warnings: string[] | undefined): { Warnings?: string[] } {
  return warnings !== undefined && warnings.length > 0 ? { Warnings: warnings } : {};
}

/** For bodies that are already in their wire shape (error bodies, the OpenAPI document). */
export function sendRaw(c: Context, value: unknown, status: ContentfulStatusCode = 200): Response {
  return c.body(encodeJson(value), status, { 'Content-Type': JSON_CONTENT_TYPE });
}
