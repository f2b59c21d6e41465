import { type Capacity, type NodeState, parseSelector } from '@shoal/models';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NodeOrder } from '../node-orders.js';
import type { ListNodesQuery } from '../types.js';
import { makeNode, tick, unique } from './fixtures.js';
import { type StoreContext, walk } from './harness.js';

/**
 * The node list in each order Bacalhau's clients send, paged: the available_* orders put the most
 * available first, ties by id; a node without compute info has no capacity.
 */

interface Spec {
  id: string;
  type?: 'Compute' | 'Requester';
  membership?: NodeState['Membership'];
  capacity?: Capacity;
}

function node(run: string, spec: Spec): NodeState {
  const state = makeNode({ id: spec.id, labels: { run }, Membership: spec.membership ?? 'APPROVED' });
  if (spec.type === 'Requester') {
    const { ComputeNodeInfo: _, ...info } = state.Info;
    return { ...state, Info: { ...info, NodeType: 'Requester' } };
  }
  const compute = state.Info.ComputeNodeInfo;
  if (!compute || !spec.capacity) return state;
  return {
    ...state,
    Info: { ...state.Info, ComputeNodeInfo: { ...compute, AvailableCapacity: spec.capacity } },
  };
}

const cap = (CPU: number, Memory: number, Disk: number, GPU: number): Capacity => ({
  CPU,
  Memory,
  Disk,
  GPU,
});

export function nodeOrdersContract(ctx: StoreContext): void {
  describe('listing nodes in Bacalhau’s orders', () => {
    const run = unique('run-');
    const id = (name: string) => `${run}-${name}`;
    const specs: Spec[] = [
      { id: id('a'), capacity: cap(0.5, 2_000, 10, 0), membership: 'PENDING' },
      { id: id('b'), capacity: cap(3.25, 1_000, 30, 1) },
      { id: id('c'), capacity: cap(3.25, 9_007_199_254_740_991, 20, 2), membership: 'REJECTED' },
      { id: id('d'), capacity: cap(1, 1_000, 0, 0) },
      { id: id('e'), type: 'Requester' },
    ];
    beforeAll(async () => {
      for (const spec of specs) await ctx.store.nodes.upsert(node(run, spec), tick());
    });

    const query = (overrides: Partial<ListNodesQuery>): ListNodesQuery => ({
      selector: parseSelector(`run=${run}`),
      limit: 100,
      orderBy: 'id',
      reverse: false,
      ...overrides,
    });
    const walkIds = async (orderBy: NodeOrder, reverse: boolean, limit: number) => {
      const pages = await walk((nextToken) =>
        ctx.store.nodes.list(query({ orderBy, reverse, limit, ...(nextToken ? { nextToken } : {}) })),
      );
      return pages.flat().map((n) => n.Info.NodeID.slice(run.length + 1));
    };

    it.each([
      ['available_cpu', 'bcdae'],
      ['available_memory', 'cabde'],
      ['available_disk', 'bcade'],
      ['available_gpu', 'cbade'],
      ['type', 'abcde'],
      ['approval', 'bdeac'],
      ['id', 'abcde'],
      ['create_time', 'abcde'],
    ] as const)('orders by %s, across pages of two, and reversed', async (orderBy, expected) => {
      expect((await walkIds(orderBy, false, 2)).join('')).toBe(expected);
      expect((await walkIds(orderBy, true, 2)).join('')).toBe([...expected].reverse().join(''));
    });

    it('pages by the capacity as stored when each page is read: a node that changed may come again', async () => {
      const first = await ctx.store.nodes.list(query({ orderBy: 'available_cpu', limit: 2 }));
      expect(first.items.map((n) => n.Info.NodeID)).toEqual([id('b'), id('c')]);
      // b's capacity drops below every other's after it was listed.
      await ctx.store.nodes.upsert(node(run, { id: id('b'), capacity: cap(0.1, 1_000, 30, 1) }), tick());
      const rest = await walk((nextToken) =>
        ctx.store.nodes.list(
          query({ orderBy: 'available_cpu', limit: 2, nextToken: nextToken ?? first.nextToken }),
        ),
      );
      expect(rest.flat().map((n) => n.Info.NodeID)).toEqual([id('d'), id('a'), id('b'), id('e')]);
    });
  });
}
