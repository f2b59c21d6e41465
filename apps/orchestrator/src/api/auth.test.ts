import { ErrorBodySchema } from '@shoal/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrchestratorConfigSchema, publicConfig } from '../config.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { tokenChecker } from './auth.js';
import { call, type Harness, harnessFor, jobBody } from './test-support.js';

/** API authentication: bearer tokens, 401 with a challenge, 403 for a read token that writes. */

const FULL = 'f0ll-access-token_0123456789abcdef';
const READ = 'read-only-token.0123456789abcdef==';
const JOBS = '/api/v1/orchestrator/jobs';
const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

let store: Store;
let secured: Harness;
let open: Harness;
beforeAll(async () => {
  store = await openStore({ url: 'pglite:memory' });
  secured = harnessFor(store, { config: { auth: { full: FULL, read: READ } } });
  open = harnessFor(store, { config: { auth: {} } });
});
afterAll(async () => {
  await store.close();
});

describe('with tokens configured', () => {
  it.each([
    ['no header', {}, 'Bearer realm="shoal"', /no bearer token/],
    ['an empty header', { Authorization: '' }, 'Bearer realm="shoal"', /no bearer token/],
    ['another scheme', { Authorization: `Basic ${FULL}` }, 'error="invalid_token"', /malformed/],
    ['a bare token', { Authorization: FULL }, 'error="invalid_token"', /malformed/],
    ['two tokens', { Authorization: `Bearer ${FULL} ${READ}` }, 'error="invalid_token"', /malformed/],
    ['a wrong token', { Authorization: 'Bearer nope' }, 'error="invalid_token"', /invalid bearer token/],
    ['a prefix of the token', { Authorization: `Bearer ${FULL.slice(0, -1)}` }, 'invalid_token', /invalid/],
    ['the token plus one', { Authorization: `Bearer ${FULL}x` }, 'invalid_token', /invalid bearer/],
  ])(
    'answers %s with 401, a challenge and the usual error body',
    async (_why, headers, challenge, message) => {
      const reply = await call(secured.app, 'GET', JOBS, { headers });
      expect(reply.status).toBe(401);
      expect(reply.headers.get('WWW-Authenticate')).toMatch(/^Bearer realm="shoal"/);
      expect(reply.headers.get('WWW-Authenticate')).toContain(challenge);
      const body = ErrorBodySchema.parse(reply.body);
      expect(body).toMatchObject({ Status: 401, Code: 'Unauthorized', Component: 'API' });
      expect(body.Message).toMatch(message);
      expect(body.RequestID).toBe(reply.headers.get('X-Request-ID'));
      expect(reply.text).not.toContain(FULL);
    },
  );

  it('refuses writes without a token before reading the body', async () => {
    const reply = await call(secured.app, 'PUT', JOBS, { body: jobBody() });
    expect(reply.status).toBe(401);
    expect((await call(secured.app, 'GET', JOBS, bearer(FULL))).body.Jobs).toEqual([]);
  });

  it('lets the full token read and write, with the scheme in any case', async () => {
    const put = await call(secured.app, 'PUT', JOBS, {
      body: jobBody(),
      headers: { Authorization: `bearer ${FULL}` },
    });
    expect(put.status).toBe(200);
    const id = String(put.body.JobID);
    expect((await call(secured.app, 'GET', `${JOBS}/${id}`, bearer(FULL))).status).toBe(200);
    const stop = await call(secured.app, 'DELETE', `${JOBS}/${id}`, bearer(FULL));
    expect(stop.status).toBe(200);
  });

  it('lets the read token read but answers its writes with 403', async () => {
    const list = await call(secured.app, 'GET', JOBS, bearer(READ));
    expect(list.status).toBe(200);
    const put = await call(secured.app, 'PUT', JOBS, { body: jobBody(), ...bearer(READ) });
    expect(put.status).toBe(403);
    expect(put.headers.get('WWW-Authenticate')).toBeNull();
    expect(ErrorBodySchema.parse(put.body)).toMatchObject({ Code: 'Forbidden', Status: 403 });
    expect(put.body.Message).toMatch(/read-only/);
    const del = await call(secured.app, 'DELETE', `${JOBS}/j-whatever`, bearer(READ));
    expect(del.status).toBe(403);
  });

  it('keeps liveness open for health checks, but nothing else under /agent', async () => {
    expect((await call(secured.app, 'GET', '/api/v1/agent/alive')).body).toEqual({ Status: 'OK' });
    expect((await call(secured.app, 'GET', '/api/v1/agent/alive/')).status).toBe(401);
    expect((await call(secured.app, 'GET', '/api/v1/agent/config')).status).toBe(401);
    expect((await call(secured.app, 'GET', '/api/v1/agent/version')).status).toBe(401);
  });

  it('hides which routes exist from a caller without a token', async () => {
    expect((await call(secured.app, 'GET', '/api/v1/nowhere')).status).toBe(401);
    expect((await call(secured.app, 'GET', '/api/v1/nowhere', bearer(READ))).status).toBe(404);
  });

  it('declares the bearer scheme in the OpenAPI document, with 401 everywhere but liveness and 403 on writes', async () => {
    type Doc = {
      security?: unknown;
      components: { securitySchemes?: Record<string, unknown> };
      paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>;
    };
    const doc = (await call(secured.app, 'GET', '/api/v1/openapi.json', bearer(READ))).body as Doc;
    expect(doc.components.securitySchemes?.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    const jobs = doc.paths[JOBS] ?? {};
    expect(Object.keys(jobs.put?.responses ?? {})).toEqual(expect.arrayContaining(['401', '403']));
    expect(Object.keys(jobs.get?.responses ?? {})).toContain('401');
    expect(Object.keys(jobs.get?.responses ?? {})).not.toContain('403');
    const alive = doc.paths['/api/v1/agent/alive']?.get;
    expect(alive?.security).toEqual([]);
    expect(Object.keys(alive?.responses ?? {})).not.toContain('401');

    const plain = (await call(open.app, 'GET', '/api/v1/openapi.json')).body as Doc;
    expect(plain.components.securitySchemes).toBeUndefined();
    expect(plain.security).toBeUndefined();
    expect(Object.keys(plain.paths[JOBS]?.put?.responses ?? {})).not.toContain('401');
  });

  it('never writes a token into the logs', async () => {
    await call(secured.app, 'GET', JOBS, bearer(FULL));
    await call(secured.app, 'GET', JOBS, bearer(`${READ}wrong`));
    const logged = JSON.stringify(secured.logs);
    expect(secured.logs.some((l) => l.status === 401)).toBe(true);
    expect(logged).not.toContain(FULL);
    expect(logged).not.toContain(READ);
  });
});

describe('without tokens', () => {
  it('serves every route as before, and ignores a header that is sent anyway', async () => {
    expect((await call(open.app, 'GET', JOBS)).status).toBe(200);
    expect((await call(open.app, 'GET', JOBS, bearer('anything'))).status).toBe(200);
    expect((await call(open.app, 'PUT', JOBS, { body: jobBody() })).status).toBe(200);
  });
});

describe('tokenChecker', () => {
  it('tells full from read access and refuses everything else', () => {
    const check = tokenChecker({ full: 'a', read: 'b' });
    expect([check('a'), check('b'), check('c'), check(''), check('ab')]).toEqual([
      'full',
      'read',
      undefined,
      undefined,
      undefined,
    ]);
    expect(tokenChecker({ read: 'b' })('a')).toBeUndefined();
    expect(tokenChecker({ full: 'a' })('b')).toBeUndefined();
  });
});

describe('the token settings', () => {
  it('takes both tokens, masks them in the public config, and refuses one that cannot be sent', () => {
    const config = OrchestratorConfigSchema.parse({ apiToken: FULL, apiReadToken: READ });
    const shown = JSON.stringify(publicConfig(config));
    expect(shown).not.toContain(FULL);
    expect(shown).not.toContain(READ);
    expect(publicConfig(config).API).toMatchObject({ Token: '*****', ReadToken: '*****' });
    expect(publicConfig(OrchestratorConfigSchema.parse({})).API).toMatchObject({ Token: '', ReadToken: '' });
    const bad = OrchestratorConfigSchema.safeParse({ apiToken: 'has space', apiReadToken: '' });
    expect(bad.error?.issues.map((i) => i.path)).toEqual([['apiToken'], ['apiReadToken']]);
    expect(JSON.stringify(bad.error?.issues)).not.toContain('has space');
  });

  it('refuses a read token equal to the full one', () => {
    const same = OrchestratorConfigSchema.safeParse({ apiToken: FULL, apiReadToken: FULL });
    expect(same.error?.issues.map((i) => i.path)).toEqual([['apiReadToken']]);
  });
});
