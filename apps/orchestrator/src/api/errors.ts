import {
  codeForStatus,
  ErrorCode,
  isShoalError,
  JsonSyntaxError,
  SelectorSyntaxError,
  ShoalError,
  toErrorBody,
} from '@shoal/models';
import type { Context, ErrorHandler, MiddlewareHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import type { AppEnv } from './deps.js';
import { sendRaw } from './respond.js';

/**
 * The one place where failures become HTTP answers. A ShoalError carries its own status; a few
 * library errors are client mistakes and are translated; a lost database connection is a 503 the
 * client may retry; everything else is a bug, logged in full and answered with a generic 500.
 */

/** Error codes of Node's sockets and postgres.js that mean "the database is not reachable". */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);
/** SQLSTATEs for the same: class 08 (connection exception), shutdown, not accepting connections. */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/;
const UNAVAILABLE_MESSAGE = /PGlite is closed|connection terminated|Connection terminated/;

/** Drivers wrap their errors (drizzle's query error has the driver's as `cause`), so walk the chain. */
export function isConnectionError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code)))
      return true;
    if (UNAVAILABLE_MESSAGE.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}

/** The ShoalError a failure stands for, or undefined when it is a bug (→ 500). */
export function classify(error: unknown): ShoalError | undefined {
  if (isShoalError(error)) return error;
  if (error instanceof JsonSyntaxError || error instanceof SelectorSyntaxError) {
    return new ShoalError(ErrorCode.BadRequest, error.message, { component: 'API' });
  }
  if (error instanceof HTTPException) {
    return new ShoalError(codeForStatus(error.status), error.message || 'request refused', {
      component: 'API',
    });
  }
  if (isConnectionError(error)) {
    // Worded as the store words its own Unavailable errors, so clients see one message for it.
    return new ShoalError(ErrorCode.Unavailable, 'store unavailable: connection lost', {
      component: 'Store',
      hint: 'the database is not reachable; retry later',
      cause: error,
    });
  }
  return undefined;
}

/** Retryable server-side failures (a store that does not answer, say) ask to come back in a second. */
export function sendError(c: Context<AppEnv>, error: ShoalError): Response {
  if (error.retryable && error.status >= 500) c.header('Retry-After', '1');
  return sendRaw(c, toErrorBody(error, c.get('requestId')), error.status as ContentfulStatusCode);
}

export function errorHandler(logger: Logger): ErrorHandler<AppEnv> {
  return (error, c) => {
    const requestId = c.get('requestId');
    const known = classify(error);
    if (known) {
      if (known.status >= 500) logger.warn({ err: error, requestId }, known.message);
      return sendError(c, known);
    }
    logger.error({ err: error, requestId, method: c.req.method, path: c.req.path }, 'unhandled error');
    return sendError(
      c,
      new ShoalError(ErrorCode.Internal, `internal error; quote request id ${requestId} when reporting it`, {
        component: 'API',
      }),
    );
  };
}

export const notFoundHandler: NotFoundHandler<AppEnv> = (c) =>
  sendError(
    c,
    new ShoalError(ErrorCode.NotFound, `no route for ${c.req.method} ${c.req.path}`, {
      component: 'API',
      hint: 'the API lives under /api/v1; see /api/v1/openapi.json',
    }),
  );

/**
 * Hono hands only Error instances to onError; anything else thrown would escape as a bare
 * rejection. Sitting innermost, this wraps such values so the one error handler answers them.
 */
export const normaliseThrows: MiddlewareHandler<AppEnv> = async (_c, next) => {
  try {
    await next();
  } catch (error) {
    if (error instanceof Error) throw error;
    throw new Error(`non-Error thrown: ${String(error)}`, { cause: error });
  }
};
