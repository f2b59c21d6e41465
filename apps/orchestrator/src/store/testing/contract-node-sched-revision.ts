import { NodeMembership } from '@shoal/models';
import { expect, it } from 'vitest';
import { heartbeatReport, makeNode, tick, unique } from './fixtures.js';
import type { StoreContext } from './harness.js';

const beat = (healthy: boolean, cpu: number) =>
  heartbeatReport({
    AvailableCapacity: { CPU: cpu, Memory: 1_000, Disk: 0, GPU: 0 },
    RunningExecutions: 3,
    Healthy: healthy,
    HealthReason: healthy ? '' : 'docker daemon does not answer',
  });

/** `schedRevision` moves when what placement reads changes, and only then (not on heartbeats). */
export function nodeSchedRevisionContract(ctx: StoreContext): void {
  const revisionOf = async (id: string) => (await ctx.store.nodeStatus.schedRevisions()).get(id);

  it('stays put on heartbeats, and moves on health, info, membership and connection changes', async () => {
    const node = makeNode({ id: unique('n-sr-') });
    const id = node.Info.NodeID;
    await ctx.store.nodes.upsert(node, tick());
    const first = await revisionOf(id);
    expect(first).toBeTypeOf('number');

    await ctx.store.nodeStatus.heartbeatMany([{ id, report: beat(true, 1.5) }], tick());
    await ctx.store.nodeStatus.heartbeatMany([{ id, report: beat(true, 0.5) }], tick());
    expect(await revisionOf(id)).toBe(first);

    const steps: Array<[string, () => Promise<unknown>]> = [
      ['health flips', () => ctx.store.nodeStatus.heartbeatMany([{ id, report: beat(false, 0.5) }], tick())],
      [
        'labels change',
        () => ctx.store.nodeStatus.updateInfo(id, { ...node.Info, Labels: { zone: 'b' } }, tick()),
      ],
      ['approval changes', () => ctx.store.nodes.setMembership(id, NodeMembership.Rejected, tick())],
      ['disconnects', () => ctx.store.nodeStatus.disconnect(id, tick())],
    ];
    let last = first as number;
    for (const [what, step] of steps) {
      await step();
      const now = (await revisionOf(id)) as number;
      expect(now, what).toBeGreaterThan(last);
      last = now;
    }
  });

  it('reads the nodes asked for with the revision they were read at, and none that are gone', async () => {
    const [a, b] = [makeNode({ id: unique('n-sr-') }), makeNode({ id: unique('n-sr-') })];
    for (const n of [a, b]) await ctx.store.nodes.upsert(n, tick());
    const revisions = await ctx.store.nodeStatus.schedRevisions();
    const found = await ctx.store.nodeStatus.findMany([a.Info.NodeID, b.Info.NodeID, unique('n-none-')]);
    expect(found.map((r) => r.state.Info.NodeID).sort()).toEqual([a.Info.NodeID, b.Info.NodeID].sort());
    for (const r of found) expect(r.schedRevision).toBe(revisions.get(r.state.Info.NodeID));
    expect(await ctx.store.nodeStatus.findMany([])).toEqual([]);
  });
}
