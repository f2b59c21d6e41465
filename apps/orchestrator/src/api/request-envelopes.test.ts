import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, computeNode, countJobs, type Harness, openHarness } from './test-support.js';

/**
 * Request bodies as Bacalhau's Go client and SDKs send them: the whole envelope (BaseRequest's
 * Namespace, Headers, Context and IdempotencyToken beside the payload), keys in any case, unknown
 * keys ignored with a warning, null as absent. Values are still checked, and engine Params strictly.
 */

const JOBS = '/api/v1/orchestrator/jobs';
const NODE = 'n-eeeeeeee-0000-4000-8000-000000000001';
const task = (params: Record<string, unknown> = {}) => ({
  Name: 't',
  Engine: { Type: 'docker', Params: { Image: 'ubuntu:latest', ...params } },
});
let h: Harness;

beforeAll(async () => {
  h = await openHarness();
  await h.store.nodes.upsert(computeNode(NODE, { zone: 'e' }, 'PENDING'), h.clock.now());
});
afterAll(async () => {
  await h.close();
});

const put = (body: unknown, query = '') =>
  call(h.app, 'PUT', `${JOBS}${query}`, { body: JSON.stringify(body) });

describe('PUT /orchestrator/jobs with a PutJobRequest envelope', () => {
  it("accepts v1.1's whole envelope, nulls included", async () => {
    const reply = await put({
      Namespace: '',
      Headers: null,
      Context: null,
      IdempotencyToken: '',
      Job: { Type: 'batch', Count: 1, Tasks: [task()], Meta: null, Labels: null, Constraints: null },
    });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.Warnings).toEqual([]);
    const job = await h.store.jobs.get(String(reply.body.JobID));
    expect(job.Meta).toEqual({ 'bacalhau.org/requester.id': 'n-orchestrator' });
  });

  it('matches keys case-insensitively, envelope and job alike', async () => {
    const reply = await put({
      job: {
        type: 'batch',
        tasks: [{ name: 't', engine: { type: 'docker', params: { Image: 'busybox' } } }],
      },
    });
    expect(reply.status, reply.text).toBe(200);
    const job = await h.store.jobs.get(String(reply.body.JobID));
    expect(job.Tasks[0]?.Engine.Params).toMatchObject({ Image: 'busybox' });
  });

  it('ignores unknown keys, naming each in Warnings', async () => {
    const reply = await put({
      Job: { Type: 'batch', Tasks: [{ ...task(), Sidecar: {} }], Owner: 'x' },
      Extra: 1,
    });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.Warnings).toEqual([
      'unknown field Extra was ignored',
      'unknown field Job.Tasks[0].Sidecar was ignored',
      'unknown field Job.Owner was ignored',
    ]);
  });

  it('still refuses an unknown engine Params key, and a value of the wrong type, storing nothing', async () => {
    const before = await countJobs(h.store);
    const smuggled = await put({ Job: { Type: 'batch', Tasks: [task({ Privileged: true })] } });
    expect(smuggled.status).toBe(400);
    expect(smuggled.body.Details).toEqual({
      Problems: [{ Field: 'Job.Tasks[0].Engine.Params.Privileged', Message: 'unknown field' }],
    });
    const wrongType = await put({ job: { type: 'batch', count: 'two', tasks: [task()] } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.Details).toEqual({
      Problems: [{ Field: 'Job.Count', Message: 'expected number, got string' }],
    });
    const badEnvelope = await put({ Job: { Type: 'batch', Tasks: [task()] }, IdempotencyToken: 7 });
    expect(badEnvelope.status).toBe(400);
    expect(badEnvelope.body.Message).toContain('IdempotencyToken: expected string, got number');
    expect(await countJobs(h.store)).toBe(before);
  });

  it("takes Go's idempotency_token from the query", async () => {
    const body = { Job: { Type: 'batch', Tasks: [task()] } };
    const first = await put(body, '?idempotency_token=go-1&namespace=default');
    const again = await put(body, '?idempotency_token=go-1');
    expect(first.status, first.text).toBe(200);
    expect(again.body.JobID).toBe(first.body.JobID);
  });
});

describe('StopJobRequest and PutNodeRequest envelopes', () => {
  it("reads the stop reason from Go's lowercase reason, beside JobID and the base fields", async () => {
    const id = String((await put({ Job: { Type: 'batch', Tasks: [task()] } })).body.JobID);
    const body = JSON.stringify({
      Namespace: '',
      Headers: null,
      IdempotencyToken: '',
      JobID: id,
      reason: 'from go',
    });
    const reply = await call(h.app, 'DELETE', `${JOBS}/${id}`, { body });
    expect(reply.status, reply.text).toBe(200);
    expect((await h.store.evaluations.get(String(reply.body.EvaluationID))).Comment).toBe('from go');
  });

  it('approves a node from the whole PutNodeRequest', async () => {
    const body = JSON.stringify({
      Namespace: '',
      Headers: null,
      IdempotencyToken: '',
      NodeID: NODE,
      action: 'approve',
      Message: 'looks fine',
    });
    const reply = await call(h.app, 'PUT', `/api/v1/orchestrator/nodes/${NODE}`, { body });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.Success).toBe(true);
    expect((await h.store.nodes.get(NODE)).Membership).toBe('APPROVED');
  });

  it('ignores unknown keys in a stop or node body, naming each in Warnings, and adds none otherwise', async () => {
    const id = String((await put({ Job: { Type: 'batch', Tasks: [task()] } })).body.JobID);
    const stop = await call(h.app, 'DELETE', `${JOBS}/${id}`, { body: '{"reason":"r","Force":true}' });
    expect(stop.status, stop.text).toBe(200);
    expect(stop.body.Warnings).toEqual(['unknown field Force was ignored']);
    const node = `/api/v1/orchestrator/nodes/${NODE}`;
    const approve = await call(h.app, 'PUT', node, { body: '{"Action":"approve","Why":"x"}' });
    expect(approve.status, approve.text).toBe(200);
    expect(approve.text).toBe('{"Success":true,"Error":"","Warnings":["unknown field Why was ignored"]}');
    // Without unknown keys the answers are Go's own shapes (PutNodeResponse writes Error even when empty).
    const again = await call(h.app, 'PUT', node, { body: '{"Action":"approve"}' });
    expect(again.text).toBe('{"Success":true,"Error":""}');
  });
});
