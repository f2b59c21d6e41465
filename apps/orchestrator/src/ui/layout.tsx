/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Access } from '../api/auth.js';
import { HTMX, STYLES } from './static.js';

/**
 * The frame around every dashboard page, and the two pages that are only a frame: the login
 * form and an error. Everything is rendered by Hono's JSX, which escapes every text and
 * attribute value, so job names, labels and logs are shown, never run.
 */

export interface PageProps {
  title: string;
  /** Undefined on the login page: no navigation, no logout. */
  access?: Access | undefined;
  /** Whether a token is needed at all, so whether to offer logging out. */
  loginRequired?: boolean;
  children?: Child;
}

/** A dashboard URL; the jobs list is /ui itself. */
export const u = (path: string) => (path === '/' ? '/ui' : `/ui${path}`);

export function Layout({ title, access, loginRequired, children }: PageProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}' />
        <title>{`${title} · Shoal`}</title>
        <link rel="stylesheet" href={u(STYLES.path)} />
        <script src={u(HTMX.path)} defer />
      </head>
      <body>
        <header>
          <span class="brand">Shoal</span>
          {access === undefined ? null : (
            <nav aria-label="Main">
              <a href={u('/')}>Jobs</a>
              <a href={u('/nodes')}>Nodes</a>
            </nav>
          )}
          {access === 'read' ? <span class="muted">read-only</span> : null}
          {access !== undefined && loginRequired ? (
            <form class="inline" method="post" action={u('/logout')}>
              <button type="submit">Log out</button>
            </form>
          ) : null}
        </header>
        <main>
          <h1>{title}</h1>
          {children}
        </main>
      </body>
    </html>
  );
}

/**
 * Pages hold what only the token holder may see: never cached. The policy allows this origin's
 * script and style only (there is no inline script or style), and no framing (clickjacking).
 */
const PAGE_HEADERS = {
  'Cache-Control': 'no-store',
  'Content-Security-Policy':
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
};

/** Renders a whole page; `String()` of the JSX is the escaped HTML. */
export function sendPage(c: Context, page: ReturnType<typeof Layout>, status: ContentfulStatusCode = 200) {
  return c.html(`<!doctype html>${String(page)}`, status, PAGE_HEADERS);
}

/** Renders a fragment that htmx swaps into a page. */
export function sendFragment(c: Context, fragment: Child, status: ContentfulStatusCode = 200) {
  return c.html(String(fragment), status, PAGE_HEADERS);
}

export function LoginPage({ next, problem }: { next: string; problem?: string | undefined }) {
  return (
    <Layout title="Log in">
      <p>This orchestrator requires its API token (the one the CLI reads from SHOAL_TOKEN).</p>
      {problem === undefined ? null : (
        <p class="message" role="alert">
          {problem}
        </p>
      )}
      <form method="post" action={u('/login')}>
        <label for="token">
          API token
          <input id="token" name="token" type="password" autocomplete="current-password" required />
        </label>
        <input type="hidden" name="next" value={next} />
        <p>
          <button type="submit">Log in</button>
        </p>
      </form>
    </Layout>
  );
}

export interface ProblemProps {
  message: string;
  hint?: string | undefined;
}

/** A client mistake or failure, said plainly; on a page or as a fragment. */
export function Problem({ message, hint }: ProblemProps) {
  return (
    <div class="message" role="alert">
      <p>{message}</p>
      {hint ? <p class="muted">{hint}</p> : null}
    </div>
  );
}
