import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type Harness, openHarness, sequentialIds, submit } from './test-support.js';

/** Stop semantics and id lookups as HTTP answers; the job logic itself is in job-service.test.ts. */

const JOBS = '/api/v1/orchestrator/jobs';
let h: Harness;

beforeAll(async () => {
  // Every job id starts `j-aaaaaaaa-0000-…`, so a short id is ambiguous between any two jobs.
  h = await openHarness({ ids: sequentialIds() });
});
afterAll(async () => {
  await h.close();
});

async function setState(id: string, state: 'Completed' | 'Failed' | 'Stopped') {
  const job = await h.store.jobs.get(id);
  await h.store.jobs.updateState(id, job.Revision, { StateType: state, Message: '' }, h.clock.now());
}

describe('stopping a job', () => {
  it('refuses a finished job with 409, not retryable, naming its state', async () => {
    for (const state of ['Completed', 'Failed'] as const) {
      const id = await submit(h.app);
      await setState(id, state);
      const reply = await call(h.app, 'DELETE', `${JOBS}/${id}`);
      expect(reply.status).toBe(409);
      expect(reply.body).toMatchObject({ Code: 'Conflict', Message: `job ${id} is already ${state}` });
    }
  });

  it('answers an empty evaluation id for a job already stopped', async () => {
    const id = await submit(h.app);
    await setState(id, 'Stopped');
    const reply = await call(h.app, 'DELETE', `${JOBS}/${id}`);
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('{"EvaluationID":""}');
  });

  it('takes the reason from a JSON body, or uses the default', async () => {
    const id = await submit(h.app);
    const withBody = await call(h.app, 'DELETE', `${JOBS}/${id}`, { body: '{"Reason":"from the body"}' });
    expect(withBody.status).toBe(200);
    const evaluation = await h.store.evaluations.get(String(withBody.body.EvaluationID));
    expect(evaluation.Comment).toBe('from the body');
    const plain = await call(h.app, 'DELETE', `${JOBS}/${id}`);
    expect((await h.store.evaluations.get(String(plain.body.EvaluationID))).Comment).toBe(
      'job stopped by user',
    );
  });

  it('refuses two different reasons; ignores unknown keys in the body, as Go does', async () => {
    const id = await submit(h.app);
    const both = await call(h.app, 'DELETE', `${JOBS}/${id}?reason=a`, { body: '{"Reason":"b"}' });
    expect(both.status).toBe(400);
    expect(both.body.Message).toContain('reason: given in both the query and the body');
    const unknown = await call(h.app, 'DELETE', `${JOBS}/${id}`, { body: '{"Why":"x"}' });
    expect(unknown.status).toBe(200);
    const evaluation = await h.store.evaluations.get(String(unknown.body.EvaluationID));
    expect(evaluation.Comment).toBe('job stopped by user');
  });
});

describe('id lookups', () => {
  it('answers 404 for an unknown id on every job route', async () => {
    const missing = 'j-bbbbbbbb-0000-4000-8000-000000000000';
    for (const [method, suffix] of [
      ['GET', ''],
      ['DELETE', ''],
      ['GET', '/history'],
      ['GET', '/executions'],
      ['GET', '/results'],
    ] as const) {
      const reply = await call(h.app, method, `${JOBS}/${missing}${suffix}`);
      expect(reply.status, `${method} ${suffix}`).toBe(404);
      expect(reply.body.Code).toBe('NotFound');
      expect(reply.body.Message).toContain(missing);
    }
  });

  it('answers 409 with the candidates for an ambiguous prefix', async () => {
    const a = await submit(h.app);
    const b = await submit(h.app);
    const reply = await call(h.app, 'GET', `${JOBS}/j-aaaaaaaa`);
    expect(reply.status).toBe(409);
    expect(reply.body.Code).toBe('AmbiguousID');
    expect(JSON.stringify(reply.body.Details)).toContain(a);
    expect(JSON.stringify(reply.body.Details)).toContain(b);
  });
});
