import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../store/types.js';
import { call, type Harness, harnessFor, openHarness } from './test-support.js';

/** Request ids, access logs, and how failures that are not the client's become 500 or 503. */

const JOBS = '/api/v1/orchestrator/jobs';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A store whose job listing fails with `failure`; everything else is the real store. */
function failingList(failure: () => unknown) {
  return (store: Store): Store => ({
    ...store,
    jobs: {
      ...store.jobs,
      list: async () => {
        throw failure();
      },
    },
  });
}

let h: Harness;
beforeAll(async () => {
  h = await openHarness();
});
afterAll(async () => {
  // The last test closes the store on purpose; closing twice is harmless to ask for.
  await h.close().catch(() => undefined);
});

describe('X-Request-ID', () => {
  it('echoes an acceptable id on success and on errors, and puts it in the error body', async () => {
    const ok = await call(h.app, 'GET', '/api/v1/agent/alive', {
      headers: { 'X-Request-ID': 'trace-42 abc' },
    });
    expect(ok.headers.get('X-Request-ID')).toBe('trace-42 abc');
    const bad = await call(h.app, 'GET', `${JOBS}?limit=-1`, { headers: { 'X-Request-ID': 'trace-43' } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('X-Request-ID')).toBe('trace-43');
    expect(bad.body.RequestID).toBe('trace-43');
    const missing = await call(h.app, 'GET', '/nowhere', { headers: { 'X-Request-ID': 'trace-44' } });
    expect(missing.status).toBe(404);
    expect([missing.headers.get('X-Request-ID'), missing.body.RequestID]).toEqual(['trace-44', 'trace-44']);
  });

  it('generates one when none is sent', async () => {
    const reply = await call(h.app, 'GET', '/api/v1/agent/alive');
    expect(reply.headers.get('X-Request-ID')).toMatch(UUID);
  });

  it.each([
    ['too long', 'x'.repeat(129)],
    ['not ASCII', 'caf\u00e9'],
  ])('replaces an id that is %s', async (_why, offered) => {
    const reply = await call(h.app, 'GET', `${JOBS}/j-nope`, { headers: { 'X-Request-ID': offered } });
    expect(reply.headers.get('X-Request-ID')).toMatch(UUID);
    expect(reply.body.RequestID).toBe(reply.headers.get('X-Request-ID'));
  });

  it('writes one JSON access-log line per request', async () => {
    await call(h.app, 'GET', `${JOBS}?limit=-1`, { headers: { 'X-Request-ID': 'log-me' } });
    const lines = h.logs.filter((l) => l.requestId === 'log-me');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'request', method: 'GET', path: JOBS, status: 400 });
    expect(typeof lines[0]?.durationMs).toBe('number');
  });
});

describe('failures that are not the client’s', () => {
  it('answers 500 with a generic message for a bug, and logs it with the request id', async () => {
    const faulty = harnessFor(h.store, { wrapStore: failingList(() => new Error('secret internals')) });
    const reply = await call(faulty.app, 'GET', JOBS, { headers: { 'X-Request-ID': 'bug-1' } });
    expect(reply.status).toBe(500);
    expect(reply.body).toMatchObject({ Code: 'InternalError', RequestID: 'bug-1' });
    expect(String(reply.body.Message)).not.toContain('secret');
    const logged = faulty.logs.find((l) => l.msg === 'unhandled error');
    expect(logged).toMatchObject({ requestId: 'bug-1', err: { message: 'secret internals' } });
  });

  it('answers 500 for a thrown non-Error value too', async () => {
    const faulty = harnessFor(h.store, { wrapStore: failingList(() => 'a string') });
    const reply = await call(faulty.app, 'GET', JOBS);
    expect(reply.status).toBe(500);
    expect(reply.body.Code).toBe('InternalError');
  });

  it('maps a raw driver connection error to a retryable 503', async () => {
    const refused = () =>
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const wrapped = () => new Error('Failed query: select …', { cause: refused() });
    for (const failure of [refused, wrapped]) {
      const faulty = harnessFor(h.store, { wrapStore: failingList(failure) });
      const reply = await call(faulty.app, 'GET', JOBS);
      expect(reply.status).toBe(503);
      expect(reply.body.Code).toBe('ServiceUnavailable');
      expect(reply.headers.get('Retry-After')).toBe('1');
    }
  });

  it('answers 503 when the store itself reports it is unavailable (runs last: closes the store)', async () => {
    await h.store.close();
    const reply = await call(h.app, 'PUT', JOBS, {
      body: '{"Job":{"Type":"batch","Tasks":[{"Name":"t","Engine":{"Type":"docker","Params":{"Image":"x"}}}]}}',
    });
    expect(reply.status).toBe(503);
    expect(reply.body.Code).toBe('ServiceUnavailable');
  });
});
