import type { NodeState } from '@shoal/models';
import { JobStateType } from '@shoal/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, computeNode, type Harness, openHarness, submit } from './test-support.js';

/**
 * The list orders Bacalhau's clients send: `order_by=modified_at` on jobs, the capacity and type
 * orders on nodes, each paged through NextToken. The store's contract tests cover every order in
 * depth on both drivers; these check the route's names and aliases.
 */

let h: Harness;
type Doc = Record<string, unknown>;

const page = async (path: string, token?: unknown) =>
  call(h.app, 'GET', token ? `${path}&next_token=${encodeURIComponent(String(token))}` : path);

/** Follows NextToken to the end, collecting `pick` of each page. */
async function walkIds(path: string, pick: (body: Doc) => string[]): Promise<string[]> {
  const ids: string[] = [];
  let reply = await page(path);
  for (let pages = 1; ; pages += 1) {
    expect(reply.status).toBe(200);
    ids.push(...pick(reply.body));
    if (!reply.body.NextToken || pages > 20) break;
    reply = await page(path, reply.body.NextToken);
  }
  return ids;
}

function withCpu(id: string, cpu: number): NodeState {
  const node = computeNode(id, { role: 'orders' });
  const compute = node.Info.ComputeNodeInfo;
  if (!compute) throw new Error('a compute node has compute info');
  return {
    ...node,
    Info: {
      ...node.Info,
      ComputeNodeInfo: { ...compute, AvailableCapacity: { ...compute.AvailableCapacity, CPU: cpu } },
    },
  };
}

beforeAll(async () => {
  h = await openHarness();
});
afterAll(async () => {
  await h.close();
});

describe('GET /orchestrator/jobs?order_by=modified_at', () => {
  it('lists by modify time (modified_at or modify_time), across pages, reverse too', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      h.clock.advance(1_000);
      ids.push(await submit(h.app, { Namespace: 'orders' }));
    }
    // The first job submitted is modified last: it moves to the newest end.
    const first = await h.store.jobs.get(ids[0] ?? '');
    await h.store.jobs.updateState(
      first.ID,
      first.Revision,
      { StateType: JobStateType.Running, Message: '' },
      h.clock.now() + 10_000_000_000n,
    );
    const expected = [...ids.slice(1), ids[0]];
    const jobIds = (body: Doc) => (body.Jobs as Array<{ ID: string }>).map((j) => j.ID);
    const base = '/api/v1/orchestrator/jobs?namespace=orders&limit=2';
    expect(await walkIds(`${base}&order_by=modified_at`, jobIds)).toEqual(expected);
    expect(await walkIds(`${base}&order_by=modify_time&reverse=true`, jobIds)).toEqual(
      [...expected].reverse(),
    );
    expect(await walkIds(`${base}&order_by=created_at`, jobIds)).toEqual(ids);
  });
});

describe('GET /orchestrator/nodes?order_by=…', () => {
  it('orders by available_cpu, most available first, and pages', async () => {
    await h.store.nodes.upsert(withCpu('n-orders-1', 1), h.clock.now());
    await h.store.nodes.upsert(withCpu('n-orders-2', 4.5), h.clock.now());
    await h.store.nodes.upsert(withCpu('n-orders-3', 2), h.clock.now());
    const nodeIds = (body: Doc) =>
      (body.Nodes as Array<{ Info: { NodeID: string } }>).map((n) => n.Info.NodeID);
    const base = '/api/v1/orchestrator/nodes?labels=role%3Dorders&limit=1';
    expect(await walkIds(`${base}&order_by=available_cpu`, nodeIds)).toEqual([
      'n-orders-2',
      'n-orders-3',
      'n-orders-1',
    ]);
    expect(await walkIds(`${base}&order_by=available_cpu&reverse=1`, nodeIds)).toEqual([
      'n-orders-1',
      'n-orders-3',
      'n-orders-2',
    ]);
    for (const order of [
      'type',
      'available_memory',
      'available_disk',
      'available_gpu',
      'approval',
      'status',
    ]) {
      // Equal keys here: the id decides, as it breaks every tie.
      expect(await walkIds(`${base}&order_by=${order}`, nodeIds)).toEqual([
        'n-orders-1',
        'n-orders-2',
        'n-orders-3',
      ]);
    }
  });

  it('refuses an unknown order naming order_by, and a token of another order', async () => {
    const bad = await call(h.app, 'GET', '/api/v1/orchestrator/nodes?order_by=available_bandwidth');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('order_by');
    expect(bad.text).toContain('available_cpu');
    const first = await call(
      h.app,
      'GET',
      '/api/v1/orchestrator/nodes?labels=role%3Dorders&limit=1&order_by=available_cpu',
    );
    const foreign = await page(
      '/api/v1/orchestrator/nodes?labels=role%3Dorders&limit=1&order_by=type',
      first.body.NextToken,
    );
    expect(foreign.status).toBe(400);
    expect(foreign.text).toContain('next_token');
  });
});
