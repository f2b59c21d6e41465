import { encodeJson } from '@shoal/models';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';

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

/** For bodies that are already in their wire shape (error bodies, the OpenAPI document). */
export function sendRaw(c: Context, value: unknown, status: ContentfulStatusCode = 200): Response {
  return c.body(encodeJson(value), status, { 'Content-Type': JSON_CONTENT_TYPE });
}
