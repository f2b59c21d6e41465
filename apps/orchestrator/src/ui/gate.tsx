/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { ErrorCode, ShoalError } from '@shoal/models';
import type { ErrorHandler, Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import { classify } from '../api/errors.js';
import { Layout, LoginPage, Problem, sendFragment, sendPage } from './layout.js';
import { LoginForm } from './params.js';
import {
  forgetToken,
  fromThisSite,
  rememberToken,
  safeReturnPath,
  type UiEnv,
  type UiSession,
} from './session.js';

/**
 * Who may see and press what. Without the token a visitor gets the login form (401) and nothing
 * else; with the read token, pages but no buttons; every POST must come from this dashboard's own
 * pages (CSRF); and every failure is a page saying what went wrong, with its status.
 */

const COMPONENT = 'Dashboard';
const READS = new Set(['GET', 'HEAD']);
const isFragment = (c: { req: { header(name: string): string | undefined } }) =>
  c.req.header('hx-request') === 'true';

export const refuseCrossSite: MiddlewareHandler<UiEnv> = async (c, next) => {
  if (!READS.has(c.req.method) && !fromThisSite(c)) {
    throw new ShoalError(ErrorCode.Forbidden, 'refused: this request did not come from a dashboard page', {
      component: COMPONENT,
      hint: 'use the buttons of the dashboard itself; other sites cannot act on it',
    });
  }
  await next();
};

/** GET and POST /login, POST /logout: the only routes open before logging in. */
export function loginRoutes(ui: Hono<UiEnv>, session: UiSession): void {
  const tooLarge = bodyLimit({
    maxSize: 16 * 1024,
    onError: () => {
      throw new ShoalError(ErrorCode.PayloadTooLarge, 'the form is too large', { component: COMPONENT });
    },
  });
  ui.get('/login', (c) => {
    const next = safeReturnPath(c.req.query('next'));
    if (!session.required || c.get('access')) return c.redirect(next, 303);
    return sendPage(c, <LoginPage next={next} />);
  });
  ui.post('/login', tooLarge, async (c) => {
    const form = LoginForm.safeParse(await c.req.parseBody());
    const next = safeReturnPath(form.data?.next);
    if (!form.success) return sendPage(c, <LoginPage next={next} problem="Enter the API token." />, 400);
    if (session.check(form.data.token) === undefined) {
      return sendPage(c, <LoginPage next={next} problem="That token is not valid here." />, 401);
    }
    rememberToken(c, form.data.token);
    return c.redirect(next, 303);
  });
  ui.post('/logout', (c) => {
    forgetToken(c);
    return c.redirect('/ui/login', 303);
  });
}

/** The login page that returns to the page a polling fragment belongs to. */
function loginUrl(pageUrl: string | undefined): string {
  let next: string | undefined;
  try {
    const url = new URL(pageUrl ?? '');
    next = `${url.pathname}${url.search}`;
  } catch {
    next = undefined;
  }
  return `/ui/login?next=${encodeURIComponent(safeReturnPath(next))}`;
}

/** Everything past the login routes: the token first, then full access for any change. */
export function guard(): MiddlewareHandler<UiEnv> {
  return async (c, next) => {
    const access = c.get('access');
    if (access === undefined) {
      if (READS.has(c.req.method) && !isFragment(c)) {
        const url = new URL(c.req.url);
        return sendPage(c, <LoginPage next={safeReturnPath(`${url.pathname}${url.search}`)} />, 401);
      }
      // A page left open after logging out (or a token change): htmx takes the whole tab to the login.
      if (isFragment(c)) c.header('HX-Redirect', loginUrl(c.req.header('hx-current-url')));
      throw new ShoalError(ErrorCode.Unauthorized, 'log in first: this dashboard needs the API token', {
        component: COMPONENT,
        hint: 'reload the page to get the login form',
      });
    }
    if (!READS.has(c.req.method) && access !== 'full') {
      throw new ShoalError(ErrorCode.Forbidden, 'this token is read-only: changes need the full token', {
        component: COMPONENT,
      });
    }
    await next();
  };
}

/** A failure as a page (or, for htmx, a fragment): client mistakes say what was wrong, with 4xx. */
export function errorPage(logger: Logger, session: UiSession): ErrorHandler<UiEnv> {
  return (error, c) => {
    const known = classify(error);
    const requestId = c.get('requestId');
    if (!known || known.status >= 500) logger.error({ err: error, requestId, path: c.req.path }, 'dashboard');
    const status = (known?.status ?? 500) as ContentfulStatusCode;
    const message = known?.message ?? `internal error; quote request id ${requestId} when reporting it`;
    const hint = known?.code === ErrorCode.Validation ? undefined : known?.hint;
    const problem = <Problem message={message} hint={hint} />;
    if (isFragment(c)) return sendFragment(c, problem, status);
    const title = status === 404 ? 'Not found' : status < 500 ? 'Cannot do that' : 'Something failed';
    return sendPage(
      c,
      <Layout title={title} access={c.get('access')} loginRequired={session.required}>
        {problem}
      </Layout>,
      status,
    );
  };
}
