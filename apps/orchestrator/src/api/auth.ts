import { createHash, timingSafeEqual } from 'node:crypto';
import { ErrorCode, ShoalError } from '@shoal/models';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './deps.js';
import { sendError } from './errors.js';
import { API_PREFIX } from './route.js';

/**
 * Bearer-token auth for the API. Off when no token is configured. With a
 * token, every request must carry `Authorization: Bearer <token>`: the full token may do
 * anything, the read token only GET (and HEAD). Liveness stays open so health checks need no
 * secret. Tokens are compared as SHA-256 digests with timingSafeEqual: equal-length buffers, so
 * neither the content nor the length of a guess shows in the response time.
 */

export interface ApiTokens {
  /** Full access. */
  full?: string | undefined;
  /** Read-only: GET and HEAD routes. */
  read?: string | undefined;
}

/** Paths anyone may call, authenticated or not: liveness, and logging in (routes/authn.ts). */
export const OPEN_PATHS: ReadonlySet<string> = new Set([`${API_PREFIX}/agent/alive`, `${API_PREFIX}/auth`]);
const OPEN_PREFIXES: readonly string[] = [`${API_PREFIX}/auth/`];

export function isOpenPath(path: string): boolean {
  return OPEN_PATHS.has(path) || OPEN_PREFIXES.some((prefix) => path.startsWith(prefix));
}

const REALM = 'Bearer realm="shoal"';
const READ_METHODS = new Set(['GET', 'HEAD']);
/** RFC 6750's b64token after the scheme; the scheme itself is case-insensitive (RFC 7235). */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

export type Access = 'full' | 'read';

/** Which access a presented token grants, if any. Both digests are always compared. */
export function tokenChecker(tokens: ApiTokens): (presented: string) => Access | undefined {
  const full = tokens.full === undefined ? undefined : digest(tokens.full);
  const read = tokens.read === undefined ? undefined : digest(tokens.read);
  return (presented) => {
    const offered = digest(presented);
    const isFull = full !== undefined && timingSafeEqual(offered, full);
    const isRead = read !== undefined && timingSafeEqual(offered, read);
    if (isFull) return 'full';
    return isRead ? 'read' : undefined;
  };
}

export function authEnabled(tokens: ApiTokens | undefined): tokens is ApiTokens {
  return tokens?.full !== undefined || tokens?.read !== undefined;
}

const unauthorized = (message: string) =>
  new ShoalError(ErrorCode.Unauthorized, message, {
    component: 'API',
    hint: 'send the header Authorization: Bearer <token> (the CLI reads SHOAL_TOKEN)',
  });

/** Why a request is refused: the error and the challenge to send with it. */
function authenticate(
  header: string | undefined,
  check: (token: string) => Access | undefined,
): { access: Access } | { error: ShoalError; challenge: string } {
  // RFC 6750: a request without credentials gets the bare challenge, a bad one an error code.
  if (header === undefined || header.trim() === '') {
    return { error: unauthorized('authentication required: no bearer token was sent'), challenge: REALM };
  }
  const invalid = `${REALM}, error="invalid_token"`;
  const token = BEARER.exec(header)?.[1];
  if (token === undefined) {
    return {
      error: unauthorized('malformed Authorization header: expected Bearer <token>'),
      challenge: invalid,
    };
  }
  const access = check(token);
  return access === undefined
    ? { error: unauthorized('invalid bearer token'), challenge: invalid }
    : { access };
}

/**
 * The middleware. It sits after the request id and the access log, so a refusal is logged and
 * carries its request id like any other error; the header itself is never logged.
 */
export function apiAuth(tokens: ApiTokens | undefined): MiddlewareHandler<AppEnv> {
  if (!authEnabled(tokens)) return (_c, next) => next();
  const check = tokenChecker(tokens);
  return async (c, next) => {
    if (isOpenPath(c.req.path)) return next();
    const outcome = authenticate(c.req.header('Authorization'), check);
    if ('error' in outcome) {
      c.header('WWW-Authenticate', outcome.challenge);
      return sendError(c, outcome.error);
    }
    if (outcome.access === 'read' && !READ_METHODS.has(c.req.method)) {
      return sendError(
        c,
        new ShoalError(ErrorCode.Forbidden, `this token is read-only: ${c.req.method} needs full access`, {
          component: 'API',
          hint: 'use the full-access token (--api-token) for changes',
        }),
      );
    }
    return next();
  };
}
