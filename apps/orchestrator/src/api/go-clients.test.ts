import { decodeJson, ExecutionSchema, type RunOutput } from '@shoal/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  computeNode,
  type Harness,
  NODE_INFO,
  openHarness,
  seedText,
  VERSION,
} from './test-support.js';

/**
 * What Bacalhau's Go client reads from the agent, node and auth routes: the fields it looks for,
 * under the names it uses, in values Go can parse.
 */

const NODE = 'n-ffffffff-0000-4000-8000-000000000001';
const TOKEN = 'full-token-for-go-clients';
const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
let h: Harness;
let open: Harness;

beforeAll(async () => {
  const undated = { ...VERSION, BuildDate: '' };
  h = await openHarness({
    config: { auth: { full: TOKEN }, version: undated, nodeInfo: { ...NODE_INFO, Version: undated } },
  });
  open = await openHarness();
  await h.store.nodes.upsert(computeNode(NODE, { zone: 'f' }), h.clock.now());
});
afterAll(async () => {
  await h.close();
  await open.close();
});

const bearer = { Authorization: `Bearer ${TOKEN}` };

describe('agent routes', () => {
  it('answers version unwrapped, with a BuildDate Go can parse even when the build has none', async () => {
    const reply = await call(h.app, 'GET', '/api/v1/agent/version', { headers: bearer });
    expect(reply.body).toEqual({ ...VERSION, BuildDate: '0001-01-01T00:00:00Z' });
  });

  it('names the node’s version BacalhauVersion', async () => {
    const reply = await call(h.app, 'GET', '/api/v1/agent/node', { headers: bearer });
    expect(reply.body.BacalhauVersion).toEqual({ ...VERSION, BuildDate: '0001-01-01T00:00:00Z' });
    expect(reply.body.NodeID).toBe(NODE_INFO.NodeID);
  });

  it('answers debug as a map of component to info', async () => {
    const reply = await call(h.app, 'GET', '/api/v1/agent/debug', { headers: bearer });
    expect(reply.status).toBe(200);
    expect(reply.body.Requester).toMatchObject({ NodeID: NODE_INFO.NodeID, Version: VERSION.GitVersion });
  });
});

describe('nodes for v1.1 and v1.3 clients at once', () => {
  it('describes a node with Info and the flat NodeInfo fields', async () => {
    const reply = await call(h.app, 'GET', `/api/v1/orchestrator/nodes/${NODE}`, { headers: bearer });
    const node = reply.body.Node as Record<string, unknown>;
    expect(node).toMatchObject({
      NodeID: NODE,
      NodeType: 'Compute',
      Labels: { zone: 'f' },
      Membership: 'APPROVED',
      Info: { NodeID: NODE, BacalhauVersion: VERSION },
    });
    expect(node.ComputeNodeInfo).toEqual((node.Info as Record<string, unknown>).ComputeNodeInfo);
  });
});

describe('job lists as Go clients ask for them', () => {
  it('lists every namespace when none is named, as Bacalhau’s job store does', async () => {
    const ids: string[] = [];
    for (const Namespace of ['default', 'team-a']) {
      const body = JSON.stringify({
        Job: {
          Namespace,
          Type: 'batch',
          Tasks: [{ Name: 't', Engine: { Type: 'docker', Params: { Image: 'x' } } }],
        },
      });
      const reply = await call(open.app, 'PUT', '/api/v1/orchestrator/jobs', { body });
      ids.push(String(reply.body.JobID));
    }
    const all = await call(open.app, 'GET', '/api/v1/orchestrator/jobs?limit=0&order_by=created_at');
    expect(all.status, all.text).toBe(200);
    expect((all.body.Jobs as Array<{ ID: string }>).map((j) => j.ID).sort()).toEqual([...ids].sort());
    const one = await call(open.app, 'GET', '/api/v1/orchestrator/jobs?namespace=team-a');
    expect((one.body.Jobs as Array<{ ID: string }>).map((j) => j.ID)).toEqual([ids[1]]);
  });
});

describe('label selectors with > and <', () => {
  it('filters jobs and nodes by integer labels, and refuses a value that is not one', async () => {
    const ids: Record<string, string> = {};
    for (const gpus of ['1', '4']) {
      const body = JSON.stringify({
        Job: {
          Namespace: 'numeric',
          Type: 'batch',
          Labels: { gpus },
          Tasks: [{ Name: 't', Engine: { Type: 'docker', Params: { Image: 'x' } } }],
        },
      });
      ids[gpus] = String((await call(open.app, 'PUT', '/api/v1/orchestrator/jobs', { body })).body.JobID);
    }
    const selector = encodeURIComponent('gpus>2');
    const jobs = await call(
      open.app,
      'GET',
      `/api/v1/orchestrator/jobs?namespace=numeric&labels=${selector}`,
    );
    expect(jobs.status, jobs.text).toBe(200);
    expect((jobs.body.Jobs as Array<{ ID: string }>).map((j) => j.ID)).toEqual([ids['4']]);
    await open.store.nodes.upsert(computeNode('n-11111111-0000-4000-8000-000000000001', { slots: '8' }), 1n);
    await open.store.nodes.upsert(computeNode('n-11111111-0000-4000-8000-000000000002', { slots: '2' }), 2n);
    const nodes = await call(
      open.app,
      'GET',
      `/api/v1/orchestrator/nodes?labels=${encodeURIComponent('slots<5')}`,
    );
    expect((nodes.body.Nodes as Array<{ NodeID: string }>).map((n) => n.NodeID)).toEqual([
      'n-11111111-0000-4000-8000-000000000002',
    ]);
    const bad = await call(
      open.app,
      'GET',
      `/api/v1/orchestrator/jobs?labels=${encodeURIComponent('gpus>two')}`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.Message).toContain('labels: label selector "gpus>two": expected an integer after \'>\'');
  });
});

describe('what Bacalhau’s orchestrator sets on a job', () => {
  it('records the requester, strips forged bacalhau.org/ meta, defaults the timeout, takes ops Count 1', async () => {
    const body = JSON.stringify({
      Job: {
        Type: 'ops',
        Count: 1,
        Meta: { 'bacalhau.org/requester.id': 'forged' },
        Tasks: [{ Name: 't', Engine: { Type: 'docker', Params: { Image: 'x' } } }],
      },
    });
    const reply = await call(open.app, 'PUT', '/api/v1/orchestrator/jobs', { body });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.Warnings).toEqual([
      'meta key bacalhau.org/requester.id is set by the orchestrator; the submitted value was ignored',
    ]);
    const job = await open.store.jobs.get(String(reply.body.JobID));
    expect(job.Meta).toEqual({ 'bacalhau.org/requester.id': NODE_INFO.NodeID });
    expect(job.Count).toBe(0);
    expect(job.Tasks[0]?.Timeouts.ExecutionTimeout).toBe(1800);
  });
});

describe('/api/v1/auth', () => {
  it('lists no method when the API is open', async () => {
    const reply = await call(open.app, 'GET', '/api/v1/auth');
    expect(reply.text).toBe('{"Methods":{},"NextToken":""}');
  });

  it('lists the token method to anyone when tokens are configured', async () => {
    const reply = await call(h.app, 'GET', '/api/v1/auth');
    expect(reply.status).toBe(200);
    expect(reply.body.Methods).toEqual({
      'shoal-token': {
        type: 'ask',
        params: expect.objectContaining({ required: ['token'] }),
      },
    });
    const one = await call(h.app, 'GET', '/api/v1/auth/shoal-token');
    expect(one.body.type).toBe('ask');
  });

  it('logs in with the API token and answers the bearer token to use', async () => {
    const login = await call(h.app, 'POST', '/api/v1/auth/shoal-token', {
      body: JSON.stringify({ Name: 'shoal-token', MethodData: base64({ token: TOKEN }), Headers: null }),
    });
    expect(login.status, login.text).toBe(200);
    expect(login.body).toEqual({ Authentication: { success: true, token: TOKEN } });
    const authorization = `Bearer ${(login.body.Authentication as { token: string }).token}`;
    const jobs = await call(h.app, 'GET', '/api/v1/orchestrator/jobs', {
      headers: { Authorization: authorization },
    });
    expect(jobs.status).toBe(200);
  });

  it('refuses a wrong token with a 401, bad MethodData with a 400 or 401, an unknown method with a 404', async () => {
    const wrong = await call(h.app, 'POST', '/api/v1/auth/shoal-token', {
      body: JSON.stringify({ MethodData: base64({ token: 'nope' }) }),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.Message).toBe('credentials rejected');
    const notBase64 = await call(h.app, 'POST', '/api/v1/auth/shoal-token', { body: '{"MethodData":"%%%"}' });
    expect(notBase64.status).toBe(400);
    expect(notBase64.body.Message).toContain('MethodData: must be base64');
    const noToken = await call(h.app, 'POST', '/api/v1/auth/shoal-token', {
      body: JSON.stringify({ MethodData: base64({ user: 'x' }) }),
    });
    expect(noToken.status).toBe(401);
    const unknown = await call(h.app, 'POST', '/api/v1/auth/password', { body: '{"MethodData":""}' });
    expect(unknown.status).toBe(404);
  });
});

describe('encoding as Go writes', () => {
  it('adds ErrorMsg beside runnerError in RunOutput, and writes history times without trailing zeros', async () => {
    const body = JSON.stringify({
      Job: { Type: 'batch', Tasks: [{ Name: 't', Engine: { Type: 'docker', Params: { Image: 'x' } } }] },
    });
    open.clock.set(1_695_883_778_900_000_000n);
    const jobId = String((await call(open.app, 'PUT', '/api/v1/orchestrator/jobs', { body })).body.JobID);
    const history = await call(open.app, 'GET', `/api/v1/orchestrator/jobs/${jobId}/history`);
    expect(history.text).toContain('"Time":"2023-09-28T06:49:38.9Z"');
    const [seed] = (decodeJson(seedText('job-executions')) as { Executions: Array<Record<string, unknown>> })
      .Executions;
    const execution = ExecutionSchema.parse(seed);
    await open.store.executions.insert({
      ...execution,
      JobID: jobId,
      RunOutput: { ...(execution.RunOutput as RunOutput), runnerError: 'image not found' },
    });
    const listed = await call(open.app, 'GET', `/api/v1/orchestrator/jobs/${jobId}/executions`);
    const [first] = listed.body.Executions as Array<{ RunOutput: Record<string, unknown> }>;
    expect(first?.RunOutput).toMatchObject({ runnerError: 'image not found', ErrorMsg: 'image not found' });
    const described = await call(open.app, 'GET', `/api/v1/orchestrator/jobs/${jobId}?include=executions`);
    const included = (
      described.body.Executions as { Executions: Array<{ RunOutput: Record<string, unknown> }> }
    ).Executions;
    expect(included[0]?.RunOutput.ErrorMsg).toBe('image not found');
  });
});
