import { describe, expect, it } from 'vitest';
import { tick, unique } from './fixtures.js';
import type { StoreContext } from './harness.js';

export function agentCursorsContract(ctx: StoreContext): void {
  describe('agent cursors', () => {
    it('advances only forward', async () => {
      const node = unique('n-cur-');
      expect(await ctx.store.agentCursors.lastApplied(node)).toBe(0n);
      expect(await ctx.store.agentCursors.advance(node, 1n, tick())).toBe(true);
      expect(await ctx.store.agentCursors.advance(node, 3n, tick())).toBe(true);
      expect(await ctx.store.agentCursors.advance(node, 3n, tick())).toBe(false);
      expect(await ctx.store.agentCursors.advance(node, 2n, tick())).toBe(false);
      expect(await ctx.store.agentCursors.lastApplied(node)).toBe(3n);
      expect(await ctx.store.agentCursors.lastApplied(unique('n-cur-'))).toBe(0n);
    });

    it('moves a run only when the stored seq is below its guard (the run’s first seq)', async () => {
      const node = unique('n-cur-');
      const cursors = ctx.store.agentCursors;
      expect(await cursors.advance(node, 3n, tick(), 1n)).toBe(true);
      // 3..5 overlaps what is applied (3): refused whole, although 5 is above 3.
      expect(await cursors.advance(node, 5n, tick(), 3n)).toBe(false);
      expect(await cursors.lastApplied(node)).toBe(3n);
      expect(await cursors.advance(node, 6n, tick(), 4n)).toBe(true);
      expect(await cursors.lastApplied(node)).toBe(6n);
      await expect(cursors.advance(node, 7n, tick(), 9n)).rejects.toThrow(/guard 9 is above the new seq 7/);
      expect(await cursors.lastApplied(node)).toBe(6n);
    });

    it('lets exactly one of a run and a concurrent delivery of one of its reports through', async () => {
      const node = unique('n-cur-');
      const deliver = (seq: bigint, below: bigint) =>
        ctx.store.transaction((tx) => tx.agentCursors.advance(node, seq, tick(), below));
      const [run, single] = await Promise.all([deliver(3n, 1n), deliver(2n, 2n)]);
      expect([run, single].filter(Boolean)).toHaveLength(1);
      expect(await ctx.store.agentCursors.lastApplied(node)).toBe(run ? 3n : 2n);
    });

    it('moves many agents in one statement: new ones, those whose guard holds, and no others', async () => {
      const [fresh, ahead, behind] = [unique('n-cur-'), unique('n-cur-'), unique('n-cur-')];
      const cursors = ctx.store.agentCursors;
      await cursors.advance(ahead, 2n, tick());
      await cursors.advance(behind, 5n, tick());
      const moved = await cursors.advanceMany(
        [
          { nodeId: fresh, seq: 4n, below: 1n },
          { nodeId: ahead, seq: 6n, below: 3n },
          { nodeId: behind, seq: 7n, below: 5n }, // 5 is applied already: refused whole
        ],
        tick(),
      );
      expect([...moved].sort()).toEqual([fresh, ahead].sort());
      expect(await cursors.lastApplied(fresh)).toBe(4n);
      expect(await cursors.lastApplied(ahead)).toBe(6n);
      expect(await cursors.lastApplied(behind)).toBe(5n);
      expect(await cursors.advanceMany([], tick())).toEqual(new Set());
      await expect(cursors.advanceMany([{ nodeId: fresh, seq: 5n, below: 9n }], tick())).rejects.toThrow(
        /guard 9 is above the new seq 5/,
      );
    });

    it('moves with its transaction: a rollback undoes it', async () => {
      const node = unique('n-cur-');
      await expect(
        ctx.store.transaction(async (tx) => {
          expect(await tx.agentCursors.advance(node, 1n, tick())).toBe(true);
          throw new Error('apply failed');
        }),
      ).rejects.toThrow('apply failed');
      expect(await ctx.store.agentCursors.lastApplied(node)).toBe(0n);
    });

    it('lets exactly one of two concurrent deliveries of a seq through', async () => {
      const node = unique('n-cur-');
      let applied = 0;
      const deliver = () =>
        ctx.store.transaction(async (tx) => {
          if (!(await tx.agentCursors.advance(node, 1n, tick()))) return false;
          applied++;
          return true;
        });
      const results = await Promise.all([deliver(), deliver(), deliver()]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(applied).toBe(1);
    });
  });
}
