/**
 * Benchmark: the list queries of the v1 API (`GET /jobs` by label, namespace, order and deep in
 * keyset pagination; `GET /nodes` by label and filters) against an orchestrator on Postgres
 * holding 100,000 jobs and 1,000 nodes. Prints p50/p99 per query, measured one request at a time
 * so each figure is the query's own latency, and the top nodes of the plan Postgres picks.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm --filter @shoal/bench bench:lists
 *
 * The jobs are copies of one submitted job, written with one INSERT … SELECT (stored-jobs.ts), and
 * the nodes with another; the orchestrator process created the schema through its own migrations
 * first.
 */
import { createTestDatabase, makeTempDir } from '@shoal/testkit';
import pg from 'pg';
import { positiveIntEnv } from './env.js';
import { percentile } from './jobs-client.js';
import { startOrchestratorProcess } from './orchestrator-process.js';
import { copyJobs } from './stored-jobs.js';

const JOBS = positiveIntEnv('BENCH_JOBS', 100_000);
const NODES = positiveIntEnv('BENCH_NODES', 1_000);
const REQUESTS = positiveIntEnv('BENCH_LIST_REQUESTS', 300);
const GOAL_P99_MS = 20;
const NAMESPACES = ['default', 'team-a', 'team-b', 'team-c'];
const STATES = ['Completed', 'Failed', 'Running', 'Queued', 'Stopped'];
const VERSION = {
  Major: '1',
  Minor: '0',
  GitVersion: 'bench',
  GitCommit: '',
  BuildDate: '',
  GOOS: 'linux',
  GOARCH: 'amd64',
};
const T0 = 1_790_000_000_000_000_000n;

interface Case {
  name: string;
  /** Path and query string under /api/v1/orchestrator. */
  path: string;
  /**
   * The statement the store runs for it (drizzle's SQL for store/jobs.ts and store/nodes.ts,
   * written out here because the store is not a public export), for EXPLAIN.
   */
  sql: string;
  params: unknown[];
  /** What the store ran for it before job_labels (a filter on jobs), EXPLAINed for comparison. */
  jobsSql?: string;
  jobsParams?: unknown[];
}

const jobsWhere = (where: string, order: string) =>
  `select * from jobs where ${where} order by ${order} limit 11`;
/** A page driven by one label value: a range of job_labels in list order, each joined to its job. */
const byLabel = (where: string, order: string) =>
  `select jobs.* from job_labels l join jobs on jobs.id = l.job_id where ${where} order by ${order} limit 11`;

/** Submits one job through the API, which every stored job copies (stored-jobs.ts). */
async function fill(api: string, client: pg.Client): Promise<void> {
  const res = await fetch(`${api}/jobs`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      Job: {
        Name: 'template',
        Type: 'batch',
        Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: {} } }],
      },
    }),
  });
  if (!res.ok) throw new Error(`PUT /jobs: HTTP ${res.status} ${await res.text()}`);
  const template = ((await res.json()) as { JobID: string }).JobID;
  // One job in 5,000 in a small namespace, listed among the others' jobs.
  const namespaces = `case when i % 5000 = 0 then 'tiny' else (array['${NAMESPACES.join("','")}'])[1 + (i / 100) % ${NAMESPACES.length}] end`;
  await copyJobs(client, {
    template,
    count: JOBS,
    firstCreateTime: T0 + 1_000_000n,
    columns: {
      name: `'bench-' || i`,
      namespace: namespaces,
      state: `(array['${STATES.join("','")}'])[1 + (i / 7) % ${STATES.length}]`,
      labels: `jsonb_build_object('shard', (i % 100)::text, 'env', case when (i / 400) % 2 = 0 then 'prod' else 'dev' end,
                                  'team', ${namespaces})`,
      modify_time: `${T0}::bigint + i::bigint * 1000000 + (i % 977)::bigint * 1000000000`,
    },
  });
  await client.query(
    `insert into nodes (id, node_type, labels, info, membership, connection, last_heartbeat, healthy,
                        health_reason, revision, create_time, modify_time)
     select 'n-' || lpad(i::text, 6, '0'), 'Requester', jsonb_build_object('zone', 'z' || (i % 10)::text),
            jsonb_build_object('NodeID', 'n-' || lpad(i::text, 6, '0'), 'NodeType', 'Requester',
                               'Labels', jsonb_build_object('zone', 'z' || (i % 10)::text), 'Version', $3::jsonb),
            case when i % 20 = 0 then 'PENDING' else 'APPROVED' end,
            case when i % 4 = 0 then 'DISCONNECTED' else 'CONNECTED' end,
            $1::bigint, true, '', 1, $1::bigint + i, $1::bigint + i
     from generate_series(1, $2::int) as i`,
    [T0.toString(), NODES, JSON.stringify(VERSION)],
  );
  await client.query('analyze jobs');
  await client.query('analyze nodes');
}

/** A NextToken from deep in the default namespace (about 90 % of the way through it). */
async function deepToken(api: string): Promise<string> {
  let token = '';
  const pages = Math.floor((JOBS / NAMESPACES.length) * 0.9) / 1000;
  for (let i = 0; i < pages; i++) {
    const res = await fetch(`${api}/jobs?limit=1000${token ? `&next_token=${token}` : ''}`);
    if (!res.ok) throw new Error(`GET /jobs: HTTP ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { NextToken: string };
    token = encodeURIComponent(body.NextToken);
  }
  return token;
}

/** A `labels=key=value` list, and the statement the store ran for it before job_labels. */
function labelCase(key: string, value: string, namespace: string, note = ''): Case {
  const all = namespace === '*';
  const label = JSON.stringify({ [key]: value });
  return {
    name: `labels=${key}=${value}${all ? ', namespace=*' : ''}${note}`,
    path: `/jobs?labels=${encodeURIComponent(`${key}=${value}`)}${all ? '&namespace=*' : ''}`,
    sql: byLabel('l.key = $1 and l.value = $2 and l.namespace = $3', 'l.create_time asc, l.job_id asc'),
    params: [key, value, namespace],
    jobsSql: jobsWhere(`${all ? '' : 'namespace = $2 and '}labels @> $1::jsonb`, 'create_time asc, id asc'),
    jobsParams: all ? [label] : [label, namespace],
  };
}

function cases(deep: string, deepKey: [string, string]): Case[] {
  const order = 'create_time asc, id asc';
  return [
    labelCase('shard', '3', 'default'),
    labelCase('shard', '3', '*'),
    labelCase('owner', 'nobody', 'default', ' (no match)'),
    labelCase('team', 'team-c', 'default', ' (a quarter of the jobs, none in this namespace)'),
    {
      name: 'labels=shard in (3,4)',
      path: `/jobs?labels=${encodeURIComponent('shard in (3,4)')}`,
      sql: jobsWhere(`namespace = $1 and (labels ? $2 and labels ->> $2 in ($3, $4))`, order),
      params: ['default', 'shard', '3', '4'],
    },
    {
      name: 'labels=env!=prod',
      path: `/jobs?labels=${encodeURIComponent('env!=prod')}`,
      sql: jobsWhere(`namespace = $1 and not labels @> $2::jsonb`, order),
      params: ['default', '{"env":"prod"}'],
    },
    {
      name: 'namespace=team-b',
      path: '/jobs?namespace=team-b',
      sql: jobsWhere(`namespace = $1`, order),
      params: ['team-b'],
    },
    {
      name: 'namespace=team-b, reverse',
      path: '/jobs?namespace=team-b&reverse=true',
      sql: jobsWhere(`namespace = $1`, 'create_time desc, id desc'),
      params: ['team-b'],
    },
    {
      name: 'namespace=tiny (20 jobs)',
      path: '/jobs?namespace=tiny',
      sql: jobsWhere(`namespace = $1`, order),
      params: ['tiny'],
    },
    {
      name: 'namespace=tiny (20 jobs), order_by=id',
      path: '/jobs?namespace=tiny&order_by=id',
      sql: jobsWhere(`namespace = $1`, 'id asc'),
      params: ['tiny'],
    },
    {
      name: 'namespace=*, order_by=id',
      path: '/jobs?namespace=*&order_by=id',
      sql: 'select * from jobs order by id asc limit 11',
      params: [],
    },
    {
      name: 'order_by=id',
      path: '/jobs?order_by=id',
      sql: jobsWhere(`namespace = $1`, 'id asc'),
      params: ['default'],
    },
    {
      name: 'deep page (90 %)',
      path: `/jobs?next_token=${deep}`,
      sql: jobsWhere(`namespace = $1 and (create_time, id) > ($2, $3)`, order),
      params: ['default', ...deepKey],
    },
    {
      name: 'nodes',
      path: '/nodes?limit=10',
      sql: 'select * from nodes order by id asc limit 11',
      params: [],
    },
    {
      name: 'nodes labels=zone=z3',
      path: '/nodes?limit=10&labels=zone%3Dz3',
      sql: 'select * from nodes where labels @> $1::jsonb order by id asc limit 11',
      params: ['{"zone":"z3"}'],
    },
    {
      name: 'nodes filter-approval=pending',
      path: '/nodes?limit=10&filter-approval=pending',
      sql: 'select * from nodes where membership = $1 order by id asc limit 11',
      params: ['PENDING'],
    },
  ];
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

/** The plan's first nodes, top down, e.g. `Limit > Index Scan (jobs_namespace_create_idx)`. */
function describePlan(plan: PlanNode): { shape: string; read: number } {
  const parts: string[] = [];
  let read = 0;
  const walk = (node: PlanNode) => {
    if (node['Node Type'].includes('Scan'))
      read += node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0);
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(plan);
  for (let node: PlanNode | undefined = plan; node && parts.length < 4; node = node.Plans?.[0]) {
    parts.push(node['Index Name'] ? `${node['Node Type']} (${node['Index Name']})` : node['Node Type']);
  }
  return { shape: parts.join(' > '), read };
}

async function explain(client: pg.Client, text: string, params: unknown[]) {
  const explained = await client.query(`explain (analyze, format json) ${text}`, params);
  const [plan] = explained.rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode; 'Execution Time': number }>;
  if (!plan) throw new Error(`no plan for ${text}`);
  return { ...describePlan(plan.Plan), ms: plan['Execution Time'] };
}

async function main(): Promise<void> {
  const db = await createTestDatabase({ prefix: 'shoal_bench_lists' });
  const dataDir = await makeTempDir('shoal-bench-lists-');
  const server = await startOrchestratorProcess({ dbUrl: db.url, dataDir: dataDir.path });
  const api = `${server.url}/api/v1/orchestrator`;
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const start = performance.now();
    await fill(api, client);
    console.log(
      `${JOBS} jobs (${NAMESPACES.length} namespaces, ${STATES.length} states, labels shard=0..99, env and team) ` +
        `and ${NODES} nodes written in ${((performance.now() - start) / 1000).toFixed(1)} s`,
    );
    const deep = await deepToken(api);
    const deepRes = await fetch(`${api}/jobs?limit=1&next_token=${deep}`);
    if (!deepRes.ok) throw new Error(`GET /jobs: HTTP ${deepRes.status} ${await deepRes.text()}`);
    const [first] = ((await deepRes.json()) as { Jobs: Array<{ ID: string }> }).Jobs;
    const key = await client.query<{ create_time: string; id: string }>(
      'select create_time::text, id from jobs where id = $1',
      [first?.ID],
    );
    const deepKey: [string, string] = [key.rows[0]?.create_time ?? '0', key.rows[0]?.id ?? ''];

    console.log(
      `one request at a time, ${REQUESTS} per query (after 20 to warm up); goal p99 ≤ ${GOAL_P99_MS} ms; ` +
        'shared 2-core machine, orchestrator and Postgres on the same host',
    );
    for (const c of cases(deep, deepKey)) {
      const url = `${api}${c.path}`;
      for (let i = 0; i < 20; i++) await (await fetch(url)).arrayBuffer();
      const times: number[] = [];
      let items = 0;
      for (let i = 0; i < REQUESTS; i++) {
        const t = performance.now();
        const res = await fetch(url);
        const body = (await res.json()) as { Jobs?: unknown[]; Nodes?: unknown[] };
        times.push(performance.now() - t);
        if (!res.ok) throw new Error(`${c.path}: HTTP ${res.status}`);
        items = (body.Jobs ?? body.Nodes ?? []).length;
      }
      times.sort((a, b) => a - b);
      const { shape, read, ms: sqlMs } = await explain(client, c.sql, c.params);
      const p99 = percentile(times, 0.99);
      console.log(
        `${c.name}: ${items} items, p50 ${percentile(times, 0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms ` +
          `${p99 <= GOAL_P99_MS ? '(goal met)' : '(goal NOT met)'}; SQL ${sqlMs.toFixed(2)} ms, ` +
          `${read} rows read: ${shape}`,
      );
      if (c.jobsSql) {
        const before = await explain(client, c.jobsSql, c.jobsParams ?? []);
        console.log(
          `  the same filter on jobs alone: SQL ${before.ms.toFixed(2)} ms, ${before.read} rows read: ${before.shape}`,
        );
      }
    }
  } finally {
    await client.end();
    await server.stop();
    await db.drop();
    await dataDir.cleanup();
  }
}

await main();
