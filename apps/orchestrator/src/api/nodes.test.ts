import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, computeNode, type Harness, NODE_INFO, openHarness, VERSION } from './test-support.js';

/** The node routes and this orchestrator's own /agent endpoints. */

const NODES = '/api/v1/orchestrator/nodes';
const A = 'n-aaaaaaaa-0000-4000-8000-000000000001';
const B = 'n-aaaaaaaa-0000-4000-8000-000000000002';
const C = 'n-cccccccc-0000-4000-8000-000000000003';
let h: Harness;

type Doc = Record<string, unknown>;
const nodeIds = (body: Doc) => (body.Nodes as Array<{ Info: { NodeID: string } }>).map((n) => n.Info.NodeID);

beforeAll(async () => {
  h = await openHarness();
  await h.store.nodes.upsert(computeNode(A, { zone: 'a', gpu: 'yes' }), h.clock.now());
  await h.store.nodes.upsert(computeNode(B, { zone: 'b' }, 'PENDING'), h.clock.now() + 1n);
  await h.store.nodes.upsert(computeNode(C, { zone: 'c' }, 'APPROVED', 'DISCONNECTED'), h.clock.now() + 2n);
});
afterAll(async () => {
  await h.close();
});

describe('nodes', () => {
  it('lists nodes in a { Nodes, NextToken } envelope, as the v1 jobs API lists, ordered by id', async () => {
    const reply = await call(h.app, 'GET', NODES);
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(['Nodes', 'NextToken']);
    expect(nodeIds(reply.body)).toEqual([A, B, C]);
    // v1.3's NodeState, then v1.1's flat NodeInfo fields (see encode/nodes.ts).
    expect(Object.keys((reply.body.Nodes as Doc[])[0] as Doc)).toEqual([
      'Info',
      'Membership',
      'Connection',
      'NodeID',
      'NodeType',
      'Labels',
      'ComputeNodeInfo',
      'BacalhauVersion',
    ]);
  });

  it('filters by filter-approval, filter-status and labels, and pages', async () => {
    const pending = await call(h.app, 'GET', `${NODES}?filter-approval=pending`);
    expect(nodeIds(pending.body)).toEqual([B]);
    const disconnected = await call(h.app, 'GET', `${NODES}?filter-status=DISCONNECTED`);
    expect(nodeIds(disconnected.body)).toEqual([C]);
    const labelled = await call(h.app, 'GET', `${NODES}?labels=${encodeURIComponent('zone in (a,c),!gpu')}`);
    expect(nodeIds(labelled.body)).toEqual([C]);
    const first = await call(h.app, 'GET', `${NODES}?limit=2&reverse=true`);
    expect(nodeIds(first.body)).toEqual([C, B]);
    const rest = await call(
      h.app,
      'GET',
      `${NODES}?limit=2&reverse=true&next_token=${encodeURIComponent(String(first.body.NextToken))}`,
    );
    expect(nodeIds(rest.body)).toEqual([A]);
    expect(rest.body.NextToken).toBe('');
  });

  it('describes a node by id or unique prefix; an ambiguous prefix is a 409', async () => {
    const reply = await call(h.app, 'GET', `${NODES}/n-cccc`);
    expect(reply.status).toBe(200);
    expect(reply.body.Node).toMatchObject({
      Info: { NodeID: C },
      Membership: 'APPROVED',
      Connection: 'DISCONNECTED',
    });
    const ambiguous = await call(h.app, 'GET', `${NODES}/n-aaaaaaaa`);
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body.Code).toBe('AmbiguousID');
    expect((await call(h.app, 'GET', `${NODES}/n-zzzz`)).status).toBe(404);
  });

  it('describes the queue a node offers (QueueCapacity) beside its capacity, and lists it', async () => {
    const queued = 'n-dddddddd-0000-4000-8000-000000000004';
    const node = computeNode(queued, { zone: 'd' });
    const queue = { CPU: 2, Memory: 4 * 1024 ** 3, Disk: 0, GPU: 0 };
    const info = node.Info.ComputeNodeInfo;
    if (!info) throw new Error('a compute node has ComputeNodeInfo');
    await h.store.nodes.upsert(
      { ...node, Info: { ...node.Info, ComputeNodeInfo: { ...info, QueueCapacity: queue } } },
      h.clock.now() + 3n,
    );
    const reply = await call(h.app, 'GET', `${NODES}/${queued}`);
    expect(reply.status).toBe(200);
    expect(reply.body.Node).toMatchObject({ Info: { ComputeNodeInfo: { QueueCapacity: queue } } });
    const listed = await call(h.app, 'GET', `${NODES}?labels=zone%3Dd`);
    expect(listed.body.Nodes).toEqual([
      expect.objectContaining({
        Info: expect.objectContaining({ ComputeNodeInfo: expect.objectContaining({ QueueCapacity: queue }) }),
      }),
    ]);
    // A node without a queue shows none.
    const plain = await call(h.app, 'GET', `${NODES}/${A}`);
    expect(plain.body.Node).not.toHaveProperty('Info.ComputeNodeInfo.QueueCapacity');
    await call(h.app, 'PUT', `${NODES}/${queued}`, { body: '{"Action":"delete"}' });
  });

  it('approves, rejects (idempotently) and deletes', async () => {
    const approve = await call(h.app, 'PUT', `${NODES}/${B}`, {
      body: '{"Action":"approve","Message":"ok"}',
    });
    expect(approve.status).toBe(200);
    expect(approve.text).toBe('{"Success":true,"Error":""}');
    expect((await h.store.nodes.get(B)).Membership).toBe('APPROVED');
    const again = await call(h.app, 'PUT', `${NODES}/${B}`, { body: '{"Action":"approve"}' });
    expect(again.text).toBe('{"Success":true,"Error":""}');
    await call(h.app, 'PUT', `${NODES}/${B}`, { body: '{"Action":"reject"}' });
    expect((await h.store.nodes.get(B)).Membership).toBe('REJECTED');
    const deleted = await call(h.app, 'PUT', `${NODES}/${B}`, { body: '{"Action":"delete"}' });
    expect(deleted.status).toBe(200);
    expect((await call(h.app, 'GET', `${NODES}/${B}`)).status).toBe(404);
    expect(h.logs.some((l) => l.msg === 'node action applied' && l.message === 'ok')).toBe(true);
  });

  it('refuses an unknown action listing the allowed ones; an unknown field is no problem', async () => {
    const reply = await call(h.app, 'PUT', `${NODES}/${A}`, { body: '{"Action":"promote","Force":true}' });
    expect(reply.status).toBe(400);
    expect(reply.body.Details).toEqual({
      Problems: [
        { Field: 'Action', Message: 'invalid value "promote": allowed are approve, reject, delete' },
      ],
    });
    expect((await h.store.nodes.get(A)).Membership).toBe('APPROVED');
  });

  it('takes a POST naming the node in the body, as the Python SDK sends it; without NodeID it is a 400', async () => {
    const reject = await call(h.app, 'POST', NODES, { body: `{"action":"reject","nodeID":"${C}"}` });
    expect(reject.text).toBe('{"Success":true,"Error":""}');
    expect((await h.store.nodes.get(C)).Membership).toBe('REJECTED');
    const unnamed = await call(h.app, 'POST', NODES, { body: '{"action":"approve"}' });
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.Details).toEqual({
      Problems: [{ Field: 'NodeID', Message: expect.stringMatching(/name the node/) }],
    });
    expect((await h.store.nodes.get(C)).Membership).toBe('REJECTED');
  });
});

describe('agent endpoints', () => {
  it('answers alive, version, node and config', async () => {
    expect((await call(h.app, 'GET', '/api/v1/agent/alive')).text).toBe('{"Status":"OK"}');
    expect((await call(h.app, 'GET', '/api/v1/agent/version')).body).toEqual(VERSION);
    expect((await call(h.app, 'GET', '/api/v1/agent/node')).body).toEqual({
      ...NODE_INFO,
      BacalhauVersion: VERSION,
    });
    expect((await call(h.app, 'GET', '/api/v1/agent/config')).body).toEqual({
      api: { port: 1234 },
      token: '***',
    });
  });
});
