import { ErrorCode, type Job, parseSelector, selectorMatches } from '@shoal/models';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ListJobsQuery } from '../types.js';
import { makeJob, tick, unique } from './fixtures.js';
import { rejection, type StoreContext, walk } from './harness.js';

const LABEL_SETS: Array<Record<string, string>> = [
  { env: 'prod', tier: 'web' },
  { env: 'dev' },
  {},
  { env: 'prod', gpu: '' },
  { env: 'staging', tier: 'db', gpu: 'a100' },
];

const byId = (a: Job, b: Job) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0);
const byCreateTime = (a: Job, b: Job) =>
  a.CreateTime < b.CreateTime ? -1 : a.CreateTime > b.CreateTime ? 1 : byId(a, b);

export function jobListContract(ctx: StoreContext): void {
  describe('listing jobs', () => {
    const namespace = unique('ns-');
    const run = unique('run-');
    const jobs: Job[] = [];
    // Every third job shares its create time with the previous one: ties are broken by id.
    beforeAll(async () => {
      let time = tick();
      for (let i = 0; i < 25; i++) {
        if (i % 3 !== 0) time = tick();
        const labels = { ...LABEL_SETS[i % LABEL_SETS.length], run };
        jobs.push(makeJob({ Namespace: namespace, Labels: labels, CreateTime: time, ModifyTime: time }));
      }
      for (const job of jobs) await ctx.store.jobs.insert(job);
      await ctx.store.jobs.insert(makeJob({ Namespace: unique('other-'), Labels: { run, env: 'prod' } }));
    });

    const query = (overrides: Partial<ListJobsQuery> = {}): ListJobsQuery => ({
      namespace,
      selector: parseSelector(''),
      limit: 100,
      orderBy: 'create_time',
      reverse: false,
      ...overrides,
    });
    const listIds = async (overrides: Partial<ListJobsQuery>) =>
      (await ctx.store.jobs.list(query(overrides))).items.map((j) => j.ID);

    it('filters by namespace, and `*` lists every namespace', async () => {
      const page = await ctx.store.jobs.list(query());
      expect(page.items).toEqual([...jobs].sort(byCreateTime));
      expect(page.nextToken).toBe('');
      expect(await listIds({ namespace: '*', selector: parseSelector(`run=${run}`) })).toHaveLength(26);
      expect(await listIds({ namespace: unique('empty-') })).toEqual([]);
    });

    it.each([
      'env=prod',
      'env!=prod',
      'env in (prod,dev)',
      'env notin (prod)',
      'gpu',
      '!gpu',
      'gpu=',
      'gpu!=',
      'env=prod,!gpu',
      'tier notin (db),env!=dev,gpu',
      'missing notin (x)',
      'missing in (x)',
    ])('evaluates the selector %j in SQL as the models matcher does', async (text) => {
      const selector = parseSelector(text);
      const expected = jobs.filter((j) => selectorMatches(selector, j.Labels)).sort(byCreateTime);
      expect(await listIds({ selector })).toEqual(expected.map((j) => j.ID));
    });

    it('orders by id or create time, either way round, and limits', async () => {
      const sortedById = [...jobs].sort(byId).map((j) => j.ID);
      const sortedByTime = [...jobs].sort(byCreateTime).map((j) => j.ID);
      expect(await listIds({ orderBy: 'id' })).toEqual(sortedById);
      expect(await listIds({ orderBy: 'id', reverse: true })).toEqual([...sortedById].reverse());
      expect(await listIds({ orderBy: 'create_time', reverse: true })).toEqual([...sortedByTime].reverse());
      const first = await ctx.store.jobs.list(query({ limit: 3 }));
      expect(first.items.map((j) => j.ID)).toEqual(sortedByTime.slice(0, 3));
      expect(first.nextToken).not.toBe('');
    });

    it.each([
      ['create_time', false],
      ['create_time', true],
      ['id', false],
      ['id', true],
    ] as const)('walks every page by %s (reverse %s) without gaps or repeats', async (orderBy, reverse) => {
      const all = await listIds({ orderBy, reverse });
      const pages = await walk((nextToken) =>
        ctx.store.jobs.list(query({ orderBy, reverse, limit: 7, ...(nextToken ? { nextToken } : {}) })),
      );
      expect(pages.map((p) => p.length)).toEqual([7, 7, 7, 4]);
      expect(pages.flat().map((j) => j.ID)).toEqual(all);
    });

    it('pages a filtered listing and keeps the filter', async () => {
      const selector = parseSelector('env in (prod,staging)');
      const expected = await listIds({ selector });
      const pages = await walk((nextToken) =>
        ctx.store.jobs.list(query({ selector, limit: 2, ...(nextToken ? { nextToken } : {}) })),
      );
      expect(pages.flat().map((j) => j.ID)).toEqual(expected);
    });

    // A `key=value` requirement drives the page from job_labels (its own index and join), so its
    // orders, pages and namespaces are checked against the in-memory matcher as well.
    it.each([
      ['create_time', false],
      ['create_time', true],
      ['id', false],
      ['id', true],
    ] as const)('pages a listing by a label value by %s (reverse %s)', async (orderBy, reverse) => {
      const selector = parseSelector('env=prod,tier!=db');
      const order = orderBy === 'id' ? byId : byCreateTime;
      const expected = jobs.filter((j) => selectorMatches(selector, j.Labels)).sort(order);
      if (reverse) expected.reverse();
      const pages = await walk((nextToken) =>
        ctx.store.jobs.list(
          query({ selector, orderBy, reverse, limit: 3, ...(nextToken ? { nextToken } : {}) }),
        ),
      );
      expect(pages.flat().map((j) => j.ID)).toEqual(expected.map((j) => j.ID));
      const everywhere = await listIds({
        namespace: '*',
        selector: parseSelector(`run in (${run}),env=prod`),
      });
      // Every env=prod job of this run, and the one in another namespace.
      expect(everywhere).toHaveLength(jobs.filter((j) => j.Labels.env === 'prod').length + 1);
    });

    it('lists by label a job whose namespace is literally `*`, once', async () => {
      const mark = unique('mark-');
      const job = makeJob({ Namespace: '*', Labels: { mark } });
      await ctx.store.jobs.insert(job);
      expect(await listIds({ namespace: '*', selector: parseSelector(`mark=${mark}`) })).toEqual([job.ID]);
    });

    it('refuses tampered, foreign and garbage tokens as a bad next_token', async () => {
      const { nextToken } = await ctx.store.jobs.list(query({ limit: 2 }));
      const [body = '', check = ''] = nextToken.split('.');
      const flipped = `${body.slice(0, 5)}${body[5] === 'A' ? 'B' : 'A'}${body.slice(6)}.${check}`;
      const forged = `${Buffer.from('{"v":1,"o":"jobs:create_time:asc","q":"x","k":["1","j"]}').toString('base64url')}.${check}`;
      for (const bad of [flipped, forged, 'garbage', '.', `${body}.`, `${nextToken}x`]) {
        const error = await rejection(ctx.store.jobs.list(query({ nextToken: bad })), ErrorCode.BadRequest);
        expect(error.message).toContain('next_token');
        expect(error.status).toBe(400);
      }
      // A real token, but made for another order, direction or filter.
      for (const other of [
        { orderBy: 'id' as const },
        { reverse: true },
        { namespace: '*' },
        { selector: parseSelector('env') },
      ]) {
        await rejection(ctx.store.jobs.list(query({ ...other, nextToken })), ErrorCode.BadRequest);
      }
      await rejection(ctx.store.jobs.list(query({ limit: 0 })), ErrorCode.BadRequest);
    });
  });
}
