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
