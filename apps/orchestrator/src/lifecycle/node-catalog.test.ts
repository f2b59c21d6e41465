import { describe, expect, it } from 'vitest';
import type { NodeStatusRepo } from '../store/index.js';
import { heartbeatReport, makeNode, tick, unique } from '../store/testing/fixtures.js';
import { DRIVERS, useStore } from '../store/testing/harness.js';
import { NodeCatalog } from './node-catalog.js';

const pglite = DRIVERS.find((d) => d.name === 'pglite');
if (!pglite) throw new Error('no pglite driver');

describe('NodeCatalog', () => {
  const ctx = useStore(pglite);

  /** The store's repo, with the ids of every full read it was asked for. */
  const counted = () => {
    const reads: string[][] = [];
    const repo: NodeStatusRepo = {
      ...ctx.store.nodeStatus,
      findMany: (ids) => {
        reads.push([...ids]);
        return ctx.store.nodeStatus.findMany(ids);
      },
    };
    return { repo, reads };
  };
  const idsOf = (records: Awaited<ReturnType<NodeCatalog['list']>>) =>
    records.map((r) => r.state.Info.NodeID);

  it('reads every node once, then only those whose placement view changed; heartbeats cost nothing', async () => {
    const prefix = unique('n-cat-');
    const [a, b, c] = ['c', 'a', 'b'].map((s) => makeNode({ id: `${prefix}${s}` }));
    for (const n of [a, b, c]) if (n) await ctx.store.nodes.upsert(n, tick());
    const { repo, reads } = counted();
    const catalog = new NodeCatalog();

    const first = idsOf(await catalog.list(repo)).filter((id) => id.startsWith(prefix));
    expect(first).toEqual([`${prefix}a`, `${prefix}b`, `${prefix}c`]); // ordered by id
    expect(reads.flat()).toEqual(expect.arrayContaining(first));

    reads.length = 0;
    await ctx.store.nodeStatus.heartbeatMany(
      [{ id: `${prefix}a`, report: heartbeatReport({ RunningExecutions: 1 }) }],
      tick(),
    );
    await catalog.list(repo);
    expect(reads).toEqual([]);

    const relabelled = { ...(b?.Info ?? makeNode().Info), Labels: { zone: 'z9' } };
    await ctx.store.nodeStatus.updateInfo(`${prefix}a`, relabelled, tick());
    const after = await catalog.list(repo);
    expect(reads).toEqual([[`${prefix}a`]]);
    expect(after.find((r) => r.state.Info.NodeID === `${prefix}a`)?.state.Info.Labels).toEqual({
      zone: 'z9',
    });

    await ctx.store.nodes.delete(`${prefix}b`);
    expect(idsOf(await catalog.list(repo)).filter((id) => id.startsWith(prefix))).toEqual([
      `${prefix}a`,
      `${prefix}c`,
    ]);
  });
});
