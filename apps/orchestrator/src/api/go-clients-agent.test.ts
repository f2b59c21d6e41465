import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, computeNode, type Harness, NODE_INFO, openHarness, VERSION } from './test-support.js';

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
