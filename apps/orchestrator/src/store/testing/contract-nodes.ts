import { ErrorCode, type NodeState, parseSelector } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import type { ListNodesQuery } from '../types.js';
import { makeNode, tick, unique } from './fixtures.js';
import { rejection, type StoreContext, walk } from './harness.js';

const idOf = (n: NodeState) => n.Info.NodeID;

export function nodesContract(ctx: StoreContext): void {
  describe('nodes', () => {
    it('inserts a new node as given and keeps its membership when it reconnects', async () => {
      const node = makeNode({ labels: { zone: 'a' }, Membership: 'PENDING' });
      expect(await ctx.store.nodes.upsert(node, tick())).toEqual(node);
      const again = makeNode({
        id: idOf(node),
        labels: { zone: 'b' },
        Membership: 'APPROVED',
        Connection: 'DISCONNECTED',
      });
      const stored = await ctx.store.nodes.upsert(again, tick());
      expect(stored).toEqual({ ...again, Membership: 'PENDING' });
      expect(await ctx.store.nodes.get(idOf(node))).toEqual(stored);
    });

    it('finds by prefix, prefers an exact name, and reports ambiguity', async () => {
      const base = unique('edge-');
      const short = makeNode({ id: base });
      const long = makeNode({ id: `${base}-2` });
      await ctx.store.nodes.upsert(short, tick());
      await ctx.store.nodes.upsert(long, tick());
      expect(idOf(await ctx.store.nodes.get(base))).toBe(base);
      expect(idOf(await ctx.store.nodes.get(`${base}-`))).toBe(`${base}-2`);
      const error = await rejection(ctx.store.nodes.get(base.slice(0, -1)), ErrorCode.Ambiguous);
      expect(error.details).toEqual({ Candidates: [base, `${base}-2`] });
      const missing = await rejection(ctx.store.nodes.get('n-nowhere'), ErrorCode.NotFound);
      expect(missing.message).toBe('node not found: n-nowhere');
    });

    it('changes membership and connection, and deletes', async () => {
      const node = makeNode({ Membership: 'PENDING' });
      await ctx.store.nodes.upsert(node, tick());
      expect((await ctx.store.nodes.setMembership(idOf(node), 'APPROVED', tick())).Membership).toBe(
        'APPROVED',
      );
      expect(await ctx.store.nodes.setConnection(idOf(node), 'DISCONNECTED', tick())).toEqual({
        ...node,
        Membership: 'APPROVED',
        Connection: 'DISCONNECTED',
      });
      await ctx.store.nodes.delete(idOf(node));
      await rejection(ctx.store.nodes.get(idOf(node)), ErrorCode.NotFound);
      await rejection(ctx.store.nodes.delete(idOf(node)), ErrorCode.NotFound);
      await rejection(ctx.store.nodes.setMembership(idOf(node), 'REJECTED', tick()), ErrorCode.NotFound);
      await rejection(ctx.store.nodes.setConnection(idOf(node), 'CONNECTED', tick()), ErrorCode.NotFound);
    });

    it('lists with selectors, membership and connection filters, in either order, page by page', async () => {
      const run = unique('run-');
      const nodes: NodeState[] = [];
      for (let i = 0; i < 9; i++) {
        const node = makeNode({
          labels: { run, zone: ['a', 'b', 'c'][i % 3] ?? 'a', ...(i % 2 ? { gpu: 'yes' } : {}) },
          Membership: i % 4 === 0 ? 'PENDING' : 'APPROVED',
          Connection: i % 3 === 0 ? 'DISCONNECTED' : 'CONNECTED',
        });
        nodes.push(await ctx.store.nodes.upsert(node, tick()));
      }
      const query = (overrides: Partial<ListNodesQuery> & { labels?: string } = {}): ListNodesQuery => {
        const { labels = '', ...rest } = overrides;
        return {
          selector: parseSelector(`run=${run}${labels}`),
          limit: 50,
          orderBy: 'create_time',
          reverse: false,
          ...rest,
        };
      };
      const ids = async (overrides: Parameters<typeof query>[0]) =>
        (await ctx.store.nodes.list(query(overrides))).items.map(idOf);

      expect(await ids({})).toEqual(nodes.map(idOf));
      expect(await ids({ reverse: true })).toEqual(nodes.map(idOf).reverse());
      expect(await ids({ orderBy: 'id' })).toEqual(nodes.map(idOf).sort());
      expect(await ids({ labels: ',zone in (a,b),!gpu' })).toEqual(
        [0, 4, 6].map((i) => idOf(nodes[i] as NodeState)),
      );
      expect(await ids({ labels: ',zone!=a,gpu' })).toEqual(
        [1, 5, 7].map((i) => idOf(nodes[i] as NodeState)),
      );
      expect(await ids({ membership: 'PENDING' })).toEqual([0, 4, 8].map((i) => idOf(nodes[i] as NodeState)));
      expect(await ids({ connection: 'DISCONNECTED', membership: 'APPROVED' })).toEqual(
        [3, 6].map((i) => idOf(nodes[i] as NodeState)),
      );
      const pages = await walk((token) =>
        ctx.store.nodes.list(query({ orderBy: 'id', limit: 4, ...(token ? { nextToken: token } : {}) })),
      );
      expect(pages.map((p) => p.length)).toEqual([4, 4, 1]);
      expect(pages.flat().map(idOf)).toEqual(nodes.map(idOf).sort());
      const { nextToken } = await ctx.store.nodes.list(query({ limit: 1 }));
      await rejection(
        ctx.store.nodes.list(query({ limit: 1, membership: 'PENDING', nextToken })),
        ErrorCode.BadRequest,
      );
    });
  });
}
