import type { IdGenerator } from '@shoal/models';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './deps.js';

export const REQUEST_ID_HEADER = 'X-Request-ID';

/** Printable ASCII, 1–128 characters: safe to echo in a header and to write into a log line. */
const ACCEPTABLE = /^[\x20-\x7e]{1,128}$/;

export function acceptableRequestId(value: string | undefined): value is string {
  return value !== undefined && ACCEPTABLE.test(value);
}

/**
 * Honours a caller's X-Request-ID so one id follows a request through proxies and logs; anything
 * else (absent, too long, control characters) is replaced rather than refused, because a bad
 * correlation id is no reason to fail the request. The id is echoed on every response, errors
 * included: the error handler answers inside `next()`, so the header is set after it returns.
 */
export function requestId(ids: IdGenerator): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const offered = c.req.header(REQUEST_ID_HEADER);
    const id = acceptableRequestId(offered) ? offered : ids.requestId();
    c.set('requestId', id);
    await next();
    c.res.headers.set(REQUEST_ID_HEADER, id);
  };
}
