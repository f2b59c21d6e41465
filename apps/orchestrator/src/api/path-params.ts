import { isValidIdQuery, ShoalError } from '@shoal/models';
import type { Context } from 'hono';

/**
 * What `isValidIdQuery` accepts, as a pattern for the OpenAPI document. The check itself is always
 * `isValidIdQuery`; a test keeps the two in agreement.
 */
export const ID_QUERY_PATTERN = '^[A-Za-z0-9_-]{1,255}$';

/**
 * A path id (`:jobID`, `:nodeID`) is a full id or a unique prefix. Anything that cannot be one
 * (spaces, quotes, `'; DROP …`) is a 400 naming the parameter and never reaches the store; the
 * store's queries are parameterised regardless.
 */
export function pathId(c: Context, name: string): string {
  const value = c.req.param(name) ?? '';
  if (isValidIdQuery(value)) return value;
  throw ShoalError.validation(
    [
      {
        path: name,
        message: 'must be an id or a unique id prefix: letters, digits, "-" and "_", at most 255 characters',
      },
    ],
    'API',
  );
}
