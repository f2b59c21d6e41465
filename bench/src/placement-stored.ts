/**
 * Benchmark: does placement slow down as the store fills? bench:placement's load (noop batch jobs,
 * 10 agents, 32 submissions in flight, one orchestrator process on a fresh Postgres database:
 * bench-cluster.ts) measured twice in one run on one cluster: on an empty store, then after
 * BENCH_STORED_JOBS terminal jobs have been written into it. Prints both placement rates and
 * stored / empty (goal ≥ 0.8×), the rows the store held before each, and the SQL statements whose
 * calls got slower between the two (when the server has pg_stat_statements: statement-stats.ts).
 *
 * The stored jobs are copies of a job this cluster ran (stored-jobs.ts): each has the evaluations,
 * executions (spread over the cluster's nodes), history and submission token that running it left,
 * as a store that ran them would. A warm-up (BENCH_WARMUP_JOBS, not measured) runs that template
 * and lets the processes reach speed, so the empty run, which comes first, is not also the cold one.
 *
 * BENCH_JOBS (default 1000 per measured run, which keeps the whole run under 3 minutes on a shared
 * 2-core machine, most of it spent writing the stored jobs),
 * BENCH_STORED_JOBS (100000), BENCH_WARMUP_JOBS (300), BENCH_AGENTS (10), BENCH_CONCURRENCY (32).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm --filter @shoal/bench bench:placement-stored
 */
import { waitFor } from '@shoal/testkit';
import pg from 'pg';
import { type BenchCluster, startBenchCluster } from './bench-cluster.js';
import { printCpu, startCpuAccount } from './cpu.js';
import { positiveIntEnv } from './env.js';
import { type PlacementRun, printPlacementRun, runPlacement } from './placement-run.js';
import {
  printGrowth,
  readStatementStats,
  resetStatementStats,
  type StatementStats,
} from './statement-stats.js';
import { copyJobs, countRows } from './stored-jobs.js';

const JOBS = positiveIntEnv('BENCH_JOBS', 1_000);
const STORED = positiveIntEnv('BENCH_STORED_JOBS', 100_000);
const WARMUP = positiveIntEnv('BENCH_WARMUP_JOBS', 300);
const AGENTS = positiveIntEnv('BENCH_AGENTS', 10);
const CONCURRENCY = positiveIntEnv('BENCH_CONCURRENCY', 32);
const GOAL = 0.8;
const TABLES = ['jobs', 'evaluations', 'executions', 'job_history'] as const;

/** One measured run, after printing what the store holds; its statements counted when possible. */
async function measure(
  cluster: BenchCluster,
  client: pg.Client,
  title: string,
  label: string,
): Promise<{ run: PlacementRun; statements?: StatementStats }> {
  const rows = await countRows(client, TABLES);
  console.log(`== ${title}; rows before the run: ${TABLES.map((t) => `${t} ${rows[t]}`).join(', ')}`);
  const counting = await resetStatementStats(client);
  const cpu = startCpuAccount(cluster.cpuParts());
  const run = await runPlacement(cluster.api, { label, jobs: JOBS, concurrency: CONCURRENCY });
  printPlacementRun(run, AGENTS);
  printCpu(cpu.finish(), run.completed);
  return counting ? { run, statements: await readStatementStats(client, run.completed) } : { run };
}

/** Writes STORED terminal jobs, copies of a settled warm-up job and its run, then VACUUM ANALYZE. */
async function fillStore(cluster: BenchCluster, client: pg.Client): Promise<void> {
  // A job the store is done with: Completed, and none of its evaluations still pending (a
  // follow-up one can be, briefly). Copies of a pending evaluation would be 100,000 evaluations
  // for the scheduler to work through during the measured run, which no settled store has.
  const template = await waitFor(
    async () => {
      const found = await client.query<{ id: string }>(
        `select id from jobs j where state = 'Completed' and labels->>'bench' = 'placement-warmup'
           and not exists (select 1 from evaluations e where e.job_id = j.id and e.status = 'pending')
         limit 1`,
      );
      return found.rows[0]?.id;
    },
    { timeoutMs: 60_000, message: 'a completed warm-up job with no pending evaluation, to copy' },
  );
  const before = await countRows(client, TABLES);
  const started = performance.now();
  await copyJobs(client, {
    template,
    count: STORED,
    // A day ago, a millisecond apart: stored before any job the measured runs submit.
    firstCreateTime: BigInt(Date.now() - 86_400_000) * 1_000_000n,
    columns: { labels: `'{"bench":"stored"}'::jsonb` },
    runs: { nodeIds: cluster.nodes.map((n) => n.Info.NodeID) },
  });
  const written = performance.now();
  // Autovacuum is off on the benchmark's Postgres server; a store that took these jobs over time
  // would have been vacuumed and analysed by it, so the planner would know the tables' sizes and
  // value distributions. Without this the plans would be those of a store nobody runs.
  await client.query(`vacuum analyze ${['job_labels', 'submission_tokens', ...TABLES].join(', ')}`);
  const after = await countRows(client, TABLES);
  const each = TABLES.slice(1).map((t) => `${((after[t] - before[t]) / STORED).toFixed(1)} ${t}`);
  console.log(
    `stored ${STORED} terminal jobs (copies of ${template}: each with ${each.join(', ')} rows) in ` +
      `${((written - started) / 1000).toFixed(1)} s, then VACUUM ANALYZE in ${((performance.now() - written) / 1000).toFixed(1)} s`,
  );
}

async function main(): Promise<void> {
  const cluster = await startBenchCluster({ name: 'stored', agents: AGENTS });
  const client = new pg.Client({ connectionString: cluster.dbUrl });
  await client.connect();
  try {
    console.log(
      `placement with a large store: ${AGENTS} agents, ${CONCURRENCY} submissions in flight; ` +
        `${JOBS} noop jobs per measured run (BENCH_JOBS), ${STORED} stored (BENCH_STORED_JOBS), ` +
        `${WARMUP} warm-up jobs first (BENCH_WARMUP_JOBS)`,
    );
    const warm = await runPlacement(cluster.api, {
      label: 'placement-warmup',
      jobs: WARMUP,
      concurrency: CONCURRENCY,
    });
    console.log(`warm-up: completed ${warm.completed}, failed ${warm.failed} (not measured)`);
    const empty = await measure(cluster, client, 'empty store', 'placement-empty');
    await fillStore(cluster, client);
    const stored = await measure(cluster, client, `${STORED} jobs stored`, 'placement-stored');
    if (empty.statements && stored.statements) printGrowth(empty.statements, stored.statements);
    const ratio = stored.run.rate / empty.run.rate;
    console.log(
      `placements/s: empty store ${empty.run.rate.toFixed(1)}, with ${STORED} jobs stored ${stored.run.rate.toFixed(1)}`,
    );
    console.log(
      `stored / empty: ${ratio.toFixed(2)}× (goal ≥ ${GOAL}×: ${ratio >= GOAL ? 'met' : 'NOT met'})`,
    );
  } finally {
    await client.end();
    await cluster.stop();
  }
}

await main();
