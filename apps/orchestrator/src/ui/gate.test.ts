import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, harnessFor, submit } from '../api/test-support.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { safeReturnPath, TOKEN_COOKIE } from './session.js';
import { HTMX, STYLES } from './static.js';

/** Who may see and press what on the dashboard, over plain HTTP: the token, the cookie, CSRF. */

const FULL = 'full-token_0123456789abcdef';
const READ = 'read-token_0123456789abcdef';
const SECRET_NAME = 'payroll-run-7';
const SAME_ORIGIN = { 'Sec-Fetch-Site': 'same-origin' };
const cookie = (token: string) => ({ Cookie: `${TOKEN_COOKIE}=${encodeURIComponent(token)}` });

let store: Store;
let h: Harness;
let jobId: string;

const request = async (method: string, path: string, headers: Record<string, string> = {}, body?: string) => {
  const init: RequestInit = { method, headers };
  if (body !== undefined) {
    init.body = body;
    (init.headers as Record<string, string>)['Content-Type'] = 'application/x-www-form-urlencoded';
  }
  const response = await h.app.request(path, init);
  return { status: response.status, headers: response.headers, text: await response.text() };
};

beforeAll(async () => {
  store = await openStore({ url: 'pglite:memory' });
  h = harnessFor(store, { config: { auth: { full: FULL, read: READ } } });
  const bearer = harnessFor(store);
  jobId = await submit(bearer.app, { Name: SECRET_NAME });
});
afterAll(async () => {
  await store.close();
});

describe('without the token', () => {
  it.each(['/ui', '/ui/jobs/JOB', '/ui/nodes'])('%s shows the login form and no data', async (path) => {
    const page = await request('GET', path.replace('JOB', jobId));
    expect(page.status).toBe(401);
    expect(page.text).toContain('action="/ui/login"');
    expect(page.text).not.toContain(SECRET_NAME);
    expect(page.text).not.toContain('href="/ui/nodes"');
  });

  it('gives fragments and buttons nothing either, and a wrong cookie is no better', async () => {
    const rows = await request('GET', '/ui/jobs/rows', {
      'HX-Request': 'true',
      'HX-Current-URL': 'http://localhost/ui?state=Running',
    });
    expect(rows.status).toBe(401);
    expect(rows.text).not.toContain(SECRET_NAME);
    expect(rows.headers.get('hx-redirect')).toBe('/ui/login?next=%2Fui%3Fstate%3DRunning');
    expect((await request('GET', '/ui', cookie(`${FULL}x`))).status).toBe(401);
    const stop = await request('POST', `/ui/jobs/${jobId}/stop`, SAME_ORIGIN);
    expect(stop.status).toBe(401);
    expect(
      (await request('POST', '/ui/nodes/n-x/approve', { ...SAME_ORIGIN, ...cookie('nope') })).status,
    ).toBe(401);
  });

  it('serves the static files, with a long cache lifetime, to anyone', async () => {
    for (const asset of [HTMX, STYLES]) {
      const file = await request('GET', `/ui${asset.path}`);
      expect(file.status).toBe(200);
      expect(file.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
    expect((await request('GET', `/ui${HTMX.path}`)).text).toContain('htmx');
  });
});

describe('logging in', () => {
  it('refuses a wrong token with 401 and sets no cookie', async () => {
    const reply = await request('POST', '/ui/login', SAME_ORIGIN, `token=wrong&next=%2Fui%2Fnodes`);
    expect(reply.status).toBe(401);
    expect(reply.text).toContain('That token is not valid here.');
    expect(reply.headers.get('set-cookie')).toBeNull();
  });

  it('sets an HttpOnly, SameSite=Strict cookie scoped to /ui, and returns to the page asked for', async () => {
    const reply = await request('POST', '/ui/login', SAME_ORIGIN, `token=${FULL}&next=%2Fui%2Fnodes`);
    expect(reply.status).toBe(303);
    expect(reply.headers.get('location')).toBe('/ui/nodes');
    const set = reply.headers.get('set-cookie') ?? '';
    expect(set).toContain(`${TOKEN_COOKIE}=`);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Path=\/ui/);
    const page = await request('GET', '/ui', cookie(FULL));
    expect(page.status).toBe(200);
    expect(page.text).toContain(SECRET_NAME);
  });

  it('never sends anyone elsewhere after logging in', () => {
    for (const next of [
      '//evil.example/ui',
      'https://evil.example',
      '/\\evil',
      '/uix',
      '/ui//evil',
      undefined,
    ]) {
      expect(safeReturnPath(next)).toBe('/ui');
    }
    expect(safeReturnPath('/ui/jobs/j-1?x=1')).toBe('/ui/jobs/j-1?x=1');
  });

  it('does not let the cookie stand in for the bearer header on the API', async () => {
    expect((await request('GET', '/api/v1/orchestrator/jobs', cookie(FULL))).status).toBe(401);
  });
});

describe('CSRF and access', () => {
  it.each([
    ['no origin at all', {}],
    ['another site', { 'Sec-Fetch-Site': 'cross-site' }],
    ['a sibling site', { 'Sec-Fetch-Site': 'same-site' }],
    ['a foreign Origin', { Origin: 'http://evil.example' }],
    ['an opaque Origin', { Origin: 'null' }],
  ])('refuses a POST from %s with 403, even with the cookie', async (_why, headers) => {
    const reply = await request('POST', `/ui/jobs/${jobId}/stop`, { ...headers, ...cookie(FULL) });
    expect(reply.status).toBe(403);
    expect(reply.text).toContain('did not come from a dashboard page');
    expect((await store.jobs.get(jobId)).State.StateType).toBe('Pending');
  });

  it('accepts an Origin that names this host, when the browser sends no Sec-Fetch-Site', async () => {
    const headers = { Origin: 'http://localhost', Host: 'localhost', ...cookie(FULL) };
    const reply = await request('POST', `/ui/jobs/${jobId}/stop`, headers);
    expect(reply.status).toBe(303);
  });

  it('shows the read token pages without buttons, and refuses its POSTs with 403', async () => {
    const page = await request('GET', `/ui/jobs/${jobId}`, cookie(READ));
    expect(page.status).toBe(200);
    expect(page.text).toContain('read-only');
    expect(page.text).not.toContain('/stop"');
    const reply = await request('POST', `/ui/jobs/${jobId}/stop`, { ...SAME_ORIGIN, ...cookie(READ) });
    expect(reply.status).toBe(403);
    expect(reply.text).toContain('read-only');
  });

  it('logs out by clearing the cookie', async () => {
    const reply = await request('POST', '/ui/logout', { ...SAME_ORIGIN, ...cookie(FULL) });
    expect(reply.status).toBe(303);
    expect(reply.headers.get('set-cookie')).toMatch(new RegExp(`${TOKEN_COOKIE}=;.*Max-Age=0`));
  });
});
