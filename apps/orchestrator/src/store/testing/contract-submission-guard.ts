import { ErrorCode } from '@shoal/models';
import { describe, expect, it } from 'vitest';
import type { Repos } from '../types.js';
import { makeEvaluation, makeJob, makeNode, tick, unique } from './fixtures.js';
import { rejection, type StoreContext } from './harness.js';

/** Submission tokens, and the commit guard (drizzle/0004_commit_guard.sql) on every driver. */
export function submissionGuardContract(ctx: StoreContext): void {
  describe('submission tokens', () => {
    const tokenOf = (jobId: string, namespace = 'default') => ({
      namespace,
      token: unique('token-'),
      jobId,
      evaluationId: unique('e-'),
      createTime: tick(),
    });

    it('finds a token by namespace and token, written with its job', async () => {
      const job = makeJob();
      const token = tokenOf(job.ID);
      await ctx.store.transaction(async (tx) => {
        await tx.jobs.insert(job);
        await tx.submissionTokens.insertMany([token]);
      });
      expect(await ctx.store.submissionTokens.find('default', token.token)).toEqual(token);
      expect(await ctx.store.submissionTokens.find('other', token.token)).toBeUndefined();
      await ctx.store.submissionTokens.insertMany([]); // nothing to write: no statement
      const many = await ctx.store.submissionTokens.findMany([
        { namespace: 'default', token: token.token },
        { namespace: 'other', token: token.token },
        { namespace: 'default', token: unique('token-') },
      ]);
      expect(many).toEqual([token]);
      expect(await ctx.store.submissionTokens.findMany([])).toEqual([]);
    });

    it('refuses a token already used in its namespace as a conflict, and writes none of the batch', async () => {
      const [a, b] = [makeJob(), makeJob({ Namespace: 'team-b' })];
      await ctx.store.jobs.insert(a);
      await ctx.store.jobs.insert(b);
      const used = tokenOf(a.ID);
      await ctx.store.submissionTokens.insertMany([used]);
      const again = { ...tokenOf(b.ID), token: used.token };
      await rejection(ctx.store.submissionTokens.insertMany([again]), ErrorCode.Conflict);
      // The same token in another namespace is another submission.
      await ctx.store.submissionTokens.insertMany([{ ...again, namespace: 'team-b' }]);
      expect((await ctx.store.submissionTokens.find('team-b', used.token))?.jobId).toBe(b.ID);
      expect((await ctx.store.submissionTokens.find('default', used.token))?.jobId).toBe(a.ID);
    });
  });

  describe('commit guard', () => {
    it('commits a transaction that ends before its deadline', async () => {
      const job = makeJob();
      await ctx.store.transaction(async (tx) => {
        await tx.commitGuard.setDeadline(60_000);
        await tx.jobs.insert(job);
      });
      expect((await ctx.store.jobs.get(job.ID)).ID).toBe(job.ID);
    });

    it('rolls back, at COMMIT, a transaction whose deadline passed: jobs, evaluations and nodes', async () => {
      const job = makeJob();
      await ctx.store.jobs.insert(job);
      const late = makeJob();
      const evaluation = makeEvaluation(job);
      const node = makeNode();
      const writes: Array<(tx: Repos) => Promise<unknown>> = [
        (tx) => tx.jobs.insert(late),
        (tx) => tx.evaluations.insert(evaluation),
        (tx) => tx.nodes.upsert(node, tick()),
      ];
      for (const write of writes) {
        // A second ago: already passed, also on a clock as coarse as PGlite's.
        const error = await rejection(
          ctx.store.transaction(async (tx) => {
            await tx.commitGuard.setDeadline(-1_000);
            await write(tx);
          }),
          ErrorCode.Unavailable,
        );
        expect(error.message).toBe('store unavailable: commit deadline passed');
      }
      await rejection(ctx.store.jobs.get(late.ID), ErrorCode.NotFound);
      await rejection(ctx.store.evaluations.get(evaluation.ID), ErrorCode.NotFound);
      await rejection(ctx.store.nodes.get(node.Info.NodeID), ErrorCode.NotFound);
    });

    it('leaves transactions that set no deadline alone, also after one that did', async () => {
      await rejection(
        ctx.store.transaction(async (tx) => {
          await tx.commitGuard.setDeadline(-1_000);
          await tx.jobs.insert(makeJob());
        }),
        ErrorCode.Unavailable,
      );
      const job = makeJob();
      await ctx.store.transaction((tx) => tx.jobs.insert(job));
      await ctx.store.jobs.insert(makeJob());
      expect((await ctx.store.jobs.get(job.ID)).ID).toBe(job.ID);
    });

    it('belongs to a transaction', async () => {
      await expect(ctx.store.commitGuard.setDeadline(1_000)).rejects.toThrow(/belongs to a transaction/);
    });
  });
}
