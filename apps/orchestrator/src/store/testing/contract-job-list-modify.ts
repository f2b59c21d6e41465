import { type Job, JobStateType, parseSelector, selectorMatches } from '@shoal/models';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ListJobsQuery } from '../types.js';
import { makeJob, tick, unique } from './fixtures.js';
import { type StoreContext, walk } from './harness.js';

/**
 * The job list by modify time: pages over jobs whose modify order differs from their create order
 * (and ties, broken by id), with a namespace, with labels (which by create time would drive the
 * page from job_labels), and while jobs are modified between pages.
 */

const byId = (a: Job, b: Job) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0);
const byModifyTime = (a: Job, b: Job) =>
  a.ModifyTime < b.ModifyTime ? -1 : a.ModifyTime > b.ModifyTime ? 1 : byId(a, b);

export function jobListByModifyTimeContract(ctx: StoreContext): void {
  describe('listing jobs by modify time', () => {
    const namespace = unique('ns-');
    const run = unique('run-');
    const jobs: Job[] = [];
    beforeAll(async () => {
      const times = Array.from({ length: 18 }, () => tick());
      for (let i = 0; i < 18; i++) {
        const created = times[i] ?? 0n;
        // Modified in the opposite order to their creation, every third sharing the one before's time.
        const modified = times[17 - (i % 3 === 2 ? i - 1 : i)] ?? 0n;
        const labels = { run, env: i % 2 === 0 ? 'prod' : 'dev' };
        jobs.push(
          makeJob({ Namespace: namespace, Labels: labels, CreateTime: created, ModifyTime: modified }),
        );
      }
      for (const job of jobs) await ctx.store.jobs.insert(job);
      await ctx.store.jobs.insert(makeJob({ Namespace: unique('other-'), Labels: { run, env: 'prod' } }));
    });

    const query = (overrides: Partial<ListJobsQuery> = {}): ListJobsQuery => ({
      namespace,
      selector: parseSelector(''),
      limit: 100,
      orderBy: 'modify_time',
      reverse: false,
      ...overrides,
    });
    const pagesOf = (overrides: Partial<ListJobsQuery>, limit: number) =>
      walk((nextToken) =>
        ctx.store.jobs.list(query({ ...overrides, limit, ...(nextToken ? { nextToken } : {}) })),
      );

    it.each([false, true])(
      'walks a namespace’s pages (reverse %s) in modify order, ties by id',
      async (reverse) => {
        const expected = [...jobs].sort(byModifyTime);
        if (reverse) expected.reverse();
        const pages = await pagesOf({ reverse }, 4);
        expect(pages.map((p) => p.length)).toEqual([4, 4, 4, 4, 2]);
        expect(pages.flat().map((j) => j.ID)).toEqual(expected.map((j) => j.ID));
        // Not the create order: the test would not tell the two apart otherwise.
        expect(expected.map((j) => j.ID)).not.toEqual([...jobs].sort(byId).map((j) => j.ID));
      },
    );

    it.each([false, true])(
      'pages a label selector (reverse %s), here and in every namespace',
      async (reverse) => {
        for (const text of ['env=prod', 'env in (prod),run', 'env!=dev']) {
          const selector = parseSelector(text);
          const expected = jobs.filter((j) => selectorMatches(selector, j.Labels)).sort(byModifyTime);
          if (reverse) expected.reverse();
          const pages = await pagesOf({ selector, reverse }, 2);
          expect(pages.flat().map((j) => j.ID)).toEqual(expected.map((j) => j.ID));
        }
        const everywhere = await pagesOf(
          { namespace: '*', selector: parseSelector(`run=${run},env=prod`), reverse },
          3,
        );
        expect(everywhere.flat()).toHaveLength(jobs.filter((j) => j.Labels.env === 'prod').length + 1);
      },
    );

    it('lists every job not modified meanwhile exactly once; a modified one moves to the newest end', async () => {
      const mine = unique('moving-');
      const moving: Job[] = [];
      for (let i = 0; i < 6; i++) {
        const job = makeJob({ Namespace: mine });
        moving.push(job);
        await ctx.store.jobs.insert(job);
      }
      const [firstListed, , , , notYetListed] = moving;
      const seen: string[] = [];
      let token: string | undefined;
      let modified = false;
      do {
        const page = await ctx.store.jobs.list(
          query({ namespace: mine, limit: 2, ...(token ? { nextToken: token } : {}) }),
        );
        seen.push(...page.items.map((j) => j.ID));
        token = page.nextToken || undefined;
        if (!modified && firstListed && notYetListed) {
          // After the first page: one job already listed and one not yet listed are modified.
          modified = true;
          for (const job of [firstListed, notYetListed]) {
            await ctx.store.jobs.updateState(
              job.ID,
              job.Revision,
              { StateType: JobStateType.Running, Message: '' },
              tick(),
            );
          }
        }
      } while (token);
      const ids = moving.map((j) => j.ID);
      expect(seen).toEqual([ids[0], ids[1], ids[2], ids[3], ids[5], ids[0], ids[4]]);
    });
  });
}
