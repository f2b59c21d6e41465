import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Access, ApiTokens } from '../api/auth.js';
import { authEnabled, tokenChecker } from '../api/auth.js';
import type { AppEnv } from '../api/deps.js';

/**
 * Who is looking at the dashboard. A browser cannot send the API's bearer header on a plain page
 * load, so the same token travels in a cookie instead: set by the login form, HttpOnly (no script
 * reads it), SameSite=Strict (no other site's page sends it), scoped to /ui, and checked with the
 * API's own comparison (tokenChecker: SHA-256 digests, timingSafeEqual). Without configured tokens
 * the API is open, and so is the dashboard.
 */

export const UI_PREFIX = '/ui';
export const TOKEN_COOKIE = 'shoal_ui_token';
/** Longer than any token anyone configures; a bigger cookie is not worth digesting. */
const MAX_TOKEN_LENGTH = 4096;

export interface UiEnv {
  Variables: AppEnv['Variables'] & {
    /** What the visitor may do; undefined when they have not logged in. */
    access: Access | undefined;
  };
}

export interface UiSession {
  /** Whether a token is needed at all. */
  readonly required: boolean;
  /** Which access a presented token grants, if any. */
  check(token: string): Access | undefined;
}

export function uiSession(tokens: ApiTokens | undefined): UiSession {
  if (!authEnabled(tokens)) return { required: false, check: () => 'full' };
  const checker = tokenChecker(tokens);
  return {
    required: true,
    check: (token) => (token.length === 0 || token.length > MAX_TOKEN_LENGTH ? undefined : checker(token)),
  };
}

/** Sets `access` for every dashboard request from its cookie; refusing is the routes' business. */
export function readSession(session: UiSession): MiddlewareHandler<UiEnv> {
  return async (c, next) => {
    if (!session.required) c.set('access', 'full');
    else {
      const token = getCookie(c, TOKEN_COOKIE);
      c.set('access', token === undefined ? undefined : session.check(token));
    }
    await next();
  };
}

/** Secure when the dashboard is reached over HTTPS, so the token never crosses plain HTTP again. */
export function rememberToken(c: Context, token: string): void {
  setCookie(c, TOKEN_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Strict',
    path: UI_PREFIX,
    secure: new URL(c.req.url).protocol === 'https:',
  });
}

export function forgetToken(c: Context): void {
  deleteCookie(c, TOKEN_COOKIE, { path: UI_PREFIX });
}

/**
 * CSRF: a state-changing POST must come from a page of this dashboard. Browsers say where a
 * request comes from in Sec-Fetch-Site (all current ones) or Origin (older ones); a request that
 * says neither is refused too, since only a browser holds the cookie and every browser sends one
 * of them. This comes on top of SameSite=Strict, which already keeps the cookie off cross-site
 * requests.
 */
export function fromThisSite(c: Context): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin';
  const origin = c.req.header('origin');
  if (origin === undefined || origin === 'null') return false;
  const host = c.req.header('host') ?? new URL(c.req.url).host;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** Where to go after logging in: a dashboard path only, never another site (`//evil`, `/\evil`). */
export function safeReturnPath(next: string | undefined): string {
  if (next === undefined || !/^\/ui(?:[/?][\w\-./?=&%~+,:]*)?$/.test(next) || next.includes('//')) {
    return UI_PREFIX;
  }
  return next;
}
