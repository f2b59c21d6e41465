import { parseSelector, shortId } from '@shoal/models';
import { createTestDatabase, describeWithServices, type TestDatabase } from '@shoal/testkit';
import { PgDialect } from 'drizzle-orm/pg-core';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from './db.js';
import { claimableIds } from './evaluations.js';
import { listJobsQuery } from './jobs.js';
import { openStore } from './open.js';
import { usageByNodeQuery, waitingJobsQuery } from './scheduling.js';
import { makeJob, SEED_TIME } from './testing/fixtures.js';
import type { ListJobsQuery, Store } from './types.js';

const JOBS = 100_000;

/** A plan node of EXPLAIN (ANALYZE, FORMAT JSON), with the fields this test reads. */
interface PlanNode {
  'Node Type': string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Join Filter'?: number;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

const nodesOf = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];

/**
 * One page of a big table costs one index range, whatever the filters: the listing reads about
 * `limit` rows, not the table. Run against Postgres only; PGlite holds small local installations.
 */
describeWithServices(['postgres'], 'store at 100,000 jobs', () => {
  let database: TestDatabase;
  let admin: postgres.Sql;
  let store: Store;
  let db: Db;

  beforeAll(async () => {
    database = await createTestDatabase({ prefix: 'shoal_scale' });
    store = await openStore({ url: database.url });
    admin = postgres(database.url, { max: 1, onnotice: () => {} });
    const { Tasks } = makeJob();
    // One statement: every tenth job in another namespace, half prod, a hundred shards, a few rare.
    await admin`
      insert into jobs (id, name, namespace, type, priority, count, state, state_message, version,
                        revision, labels, meta, constraints, tasks, create_time, modify_time)
      select 'j-' || gen_random_uuid(), 'job-' || i, case when i % 10 = 0 then 'other' else 'default' end,
             'batch', 0, 1, 'Completed', '', 0, 1,
             jsonb_build_object('env', case when i % 2 = 0 then 'prod' else 'dev' end, 'shard', (i % 100)::text)
               || case when i % 5000 = 0 then '{"rare": "yes"}'::jsonb else '{}'::jsonb end,
             '{}'::jsonb, '[]'::jsonb, ${JSON.stringify(Tasks)}::jsonb,
             ${SEED_TIME.toString()}::bigint + i * 1000,
             -- Modified in another order than created: 7919 is prime to 100,000, so a permutation.
             ${SEED_TIME.toString()}::bigint + ((i * 7919) % ${JOBS}) * 1000
      from generate_series(1, ${JOBS}) as i`;
    await admin`analyze jobs`;
    // A drizzle handle of our own, to EXPLAIN exactly the statements `list` builds.
    db = drizzle({ client: admin });
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await admin?.end();
    await database?.drop();
  });

  const query = (overrides: Partial<ListJobsQuery> = {}): ListJobsQuery => ({
    namespace: 'default',
    selector: parseSelector(''),
    limit: 10,
    orderBy: 'create_time',
    reverse: false,
    ...overrides,
  });

  /** Rows the plan touched (returned by scans or removed by their filters). */
  async function rowsRead(q: ListJobsQuery | { toSQL(): { sql: string; params: unknown[] } }) {
    const { sql: text, params } = ('toSQL' in q ? q : listJobsQuery(db, q).statement).toSQL();
    const [row] = await admin.unsafe(
      `explain (analyze, format json) ${text}`,
      params as postgres.ParameterOrJSON<never>[],
    );
    const [explained] = (row?.['QUERY PLAN'] ?? []) as Array<{ Plan: PlanNode }>;
    if (!explained) throw new Error(`no plan for ${text}`);
    const nodes = nodesOf(explained.Plan);
    const scans = nodes.filter((n) => n['Node Type'].includes('Scan'));
    const read = scans.reduce(
      (sum, n) => sum + (n['Actual Rows'] + (n['Rows Removed by Filter'] ?? 0)) * n['Actual Loops'],
      0,
    );
    const indexes = nodes.flatMap((n) => (n['Index Name'] ? [n['Index Name']] : []));
    return { read, types: nodes.map((n) => n['Node Type']), indexes };
  }

  async function timed(q: ListJobsQuery): Promise<number> {
    await store.jobs.list(q); // warm the statement cache and the buffers
    const start = performance.now();
    const page = await store.jobs.list(q);
    const ms = performance.now() - start;
    expect(page.items).toHaveLength(10);
    return ms;
  }

  it('lists 10 jobs by reading about 10 rows, in every order, with or without labels', async () => {
    const cases: Array<[string, Partial<ListJobsQuery>]> = [
      ['create_time', {}],
      ['create_time reverse', { reverse: true }],
      ['id, all namespaces', { orderBy: 'id', namespace: '*' }],
      ['env=prod', { selector: parseSelector('env=prod') }],
      ['shard in (7,8)', { selector: parseSelector('shard in (7,8)') }],
      ['env!=prod,!rare', { selector: parseSelector('env!=prod,!rare') }],
      ['rare', { selector: parseSelector('rare'), namespace: '*' }],
    ];
    const report: string[] = [];
    for (const [name, overrides] of cases) {
      const ms = await timed(query(overrides));
      const { read, types } = await rowsRead(query(overrides));
      report.push(`${name}: ${ms.toFixed(1)} ms, ${read} rows read`);
      expect(types[0]).toBe('Limit');
      expect(types).not.toContain('Seq Scan');
      expect(read).toBeLessThan(2_000);
    }
    console.info(`list of 10 among ${JOBS} jobs — ${report.join('; ')}`);
  });

  it('lists by modify time from the modify-time indexes, on the first page and deep in', async () => {
    const byModify = (overrides: Partial<ListJobsQuery>) => query({ orderBy: 'modify_time', ...overrides });
    const deep = await store.jobs.list(byModify({ limit: 50_000 }));
    const cases: Array<[string, ListJobsQuery, string]> = [
      ['namespace', byModify({}), 'jobs_namespace_modify_idx'],
      ['namespace reverse', byModify({ reverse: true }), 'jobs_namespace_modify_idx'],
      ['all namespaces', byModify({ namespace: '*' }), 'jobs_modify_idx'],
      ['all namespaces reverse', byModify({ namespace: '*', reverse: true }), 'jobs_modify_idx'],
      ['after 50,000 jobs', byModify({ nextToken: deep.nextToken }), 'jobs_namespace_modify_idx'],
      // A label cannot drive this order from job_labels: the selector filters the index walk.
      ['env=prod', byModify({ selector: parseSelector('env=prod') }), 'jobs_namespace_modify_idx'],
    ];
    const report: string[] = [];
    for (const [name, q, index] of cases) {
      const { read, types, indexes } = await rowsRead(q);
      report.push(`${name}: ${read} rows read`);
      expect(types[0]).toBe('Limit');
      expect(types).not.toContain('Sort');
      expect(types).not.toContain('Seq Scan');
      expect(indexes).toEqual([index]);
      expect(read).toBeLessThan(100);
    }
    // The order is the modify time's, not the create time's.
    const page = (await store.jobs.list(byModify({ limit: 3 }))).items.map((j) => j.ModifyTime);
    expect(page).toEqual([...page].sort((a, b) => (a < b ? -1 : 1)));
    expect((await store.jobs.list(query({ limit: 3 }))).items.map((j) => j.ModifyTime)).not.toEqual(page);
    console.info(`by modify time among ${JOBS} jobs — ${report.join('; ')}`);
  }, 60_000);

  it('pages deep into the table as cheaply as on the first page', async () => {
    const seen = new Set<string>();
    let nextToken: string | undefined;
    let deepest = '';
    do {
      const page = await store.jobs.list(query({ limit: 1_000, ...(nextToken ? { nextToken } : {}) }));
      for (const job of page.items) seen.add(job.ID);
      deepest = nextToken ?? deepest;
      nextToken = page.nextToken;
    } while (nextToken);
    expect(seen.size).toBe(JOBS * 0.9);
    // The last page starts 89,000 rows in, and still reads about what it returns.
    expect((await rowsRead(query({ limit: 1_000, nextToken: deepest }))).read).toBeLessThan(1_500);
    const [newest] = (await store.jobs.list(query({ reverse: true, limit: 1 }))).items;
    expect(newest?.CreateTime).toBe(SEED_TIME + BigInt(JOBS - 1) * 1000n);
    // Speed is bench/'s business; here the plan shape (rows read, no Seq Scan) is what is asserted.
    expect((await store.jobs.get(shortId(newest?.ID ?? ''))).ID).toBe(newest?.ID);
  }, 60_000);

  it('sums node usage over the executions in flight only, however many have finished', async () => {
    // Every job ran once and finished on n-old; three executions are in flight on n-live.
    const alloc = JSON.stringify({ Tasks: { main: { CPU: 0.5, Memory: 64, Disk: 0, GPU: 0 } } });
    await admin`
      insert into executions (id, job_id, namespace, eval_id, name, node_id, partition, desired_state,
                              desired_message, compute_state, compute_message, allocated_resources,
                              published_result, previous_execution, next_execution, followup_eval_id,
                              revision, create_time, modify_time)
      select 'e-' || gen_random_uuid(), id, namespace, 'v-1', '',
             case when n <= 3 then 'n-live' else 'n-old' end, 0,
             case when n <= 3 then 1 else 2 end, '', case when n <= 3 then 5 else 7 end, '',
             ${alloc}::jsonb, '{"Type": "", "Params": null}'::jsonb, '', '', '', 1, create_time, create_time
      from (select id, namespace, create_time, row_number() over (order by id) as n from jobs) j`;
    await admin`analyze executions`;
    const usage = await store.scheduling.usageByNode();
    expect([...usage.keys()]).toEqual(['n-live']);
    expect(usage.get('n-live')).toEqual({ CPU: 1.5, Memory: 192, Disk: 0, GPU: 0 });
    const { read, types } = await rowsRead(usageByNodeQuery(db));
    expect(types).not.toContain('Seq Scan');
    expect(read).toBeLessThan(100);
  }, 60_000);

  it('finds the queued jobs without a wake-up in one pass over each side, even with stale statistics', async () => {
    // 3,000 queued jobs and a pending node-update evaluation for each, as a burst of wake-ups leaves
    // them, with no ANALYZE since: the statistics still say there are no evaluations.
    await admin`
      insert into jobs (id, name, namespace, type, priority, count, state, state_message, version,
                        revision, labels, meta, constraints, tasks, create_time, modify_time)
      select 'j-queued-' || i, 'queued-' || i, 'default', 'batch', 0, 1, 'Queued', 'no room', 0, 1,
             '{}'::jsonb, '{}'::jsonb, '[]'::jsonb, '[]'::jsonb, i, i
      from generate_series(1, 3000) as i`;
    await admin`
      insert into evaluations (id, namespace, job_id, triggered_by, priority, type, status, comment,
                               wait_until, create_time, modify_time)
      select 'v-' || gen_random_uuid(), 'default', 'j-queued-' || i, 'node-update', 0, 'batch',
             'pending', '', 0, i, i
      from generate_series(1, 3000) as i`;
    expect(await store.scheduling.waitingJobs({ daemons: true })).toEqual([]);
    const [row] = await admin.unsafe(
      `explain (analyze, format json) ${waitingJobsQuery(db, true).toSQL().sql}`,
      waitingJobsQuery(db, true).toSQL().params as postgres.ParameterOrJSON<never>[],
    );
    const [explained] = (row?.['QUERY PLAN'] ?? []) as Array<{ Plan: PlanNode }>;
    const nodes = nodesOf((explained as { Plan: PlanNode }).Plan);
    // A nested loop over every pair removes 3,000 × 1,500 rows on average in its join filter.
    const pairs = nodes.reduce(
      (sum, n) => sum + (n['Rows Removed by Join Filter'] ?? 0) * n['Actual Loops'],
      0,
    );
    expect(pairs).toBeLessThan(10_000);
    expect(nodes.map((n) => n['Node Type'])).not.toContain('Nested Loop');
  }, 60_000);

  it('claims only what is due, without reading the delayed evaluations not yet due', async () => {
    await admin`update evaluations set status = 'complete' where status = 'pending'`;
    const [{ id: job } = { id: '' }] = await admin<{ id: string }[]>`select id from jobs order by id limit 1`;
    const now = SEED_TIME + 10_000_000_000n;
    const future = (now + 3_600_000_000_000n).toString();
    // A queue timeout for each of 5,000 queued jobs, created before the two evaluations due now
    // (one at once, one whose delay has passed): the queue as a drain leaves it.
    await admin`
      insert into evaluations (id, namespace, job_id, triggered_by, priority, type, status, comment,
                               wait_until, create_time, modify_time)
      select 'v-later-' || i, 'default', ${job}, 'queue-timeout', 0, 'batch',
             'pending', '', ${future}::bigint, i, i
      from generate_series(1, 5000) as i`;
    await admin`
      insert into evaluations (id, namespace, job_id, triggered_by, priority, type, status, comment,
                               wait_until, create_time, modify_time)
      values ('v-now', 'default', ${job}, 'node-update', 0, 'batch', 'pending', '', 0, 9000, 9000),
             ('v-due', 'default', ${job}, 'retry', 0, 'batch', 'pending', '', ${now.toString()}::bigint, 8000, 8000)`;
    await admin`analyze evaluations`;
    const claim = new PgDialect().sqlToQuery(claimableIds(now, 64, undefined));
    const { read, indexes } = await rowsRead({ toSQL: () => ({ sql: claim.sql, params: claim.params }) });
    expect(read).toBeLessThan(100);
    expect(indexes).toEqual(expect.arrayContaining(['evaluations_ready_idx', 'evaluations_delayed_idx']));
    // Claim order: same priority, older first.
    const claimed = await store.evaluations.claimBatch('w', now, 1_000_000_000n, 64);
    expect(claimed.map((e) => e.ID)).toEqual(['v-due', 'v-now']);
  }, 60_000);
});
