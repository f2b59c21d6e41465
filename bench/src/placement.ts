/**
 * Benchmark: placement throughput. N noop batch jobs across 10 agents (in this process, each with
 * its own NATS connection and SQLite store), one orchestrator process on Postgres. Prints
 * placements/s and submit→Completed latency (server timestamps: job ModifyTime − CreateTime).
 * Target: ≥ 2,000 placements/s on this 2-core machine.
 *
 * Then, in the same run, the graphile-worker anchor (anchor-graphile.ts) does the same work on
 * the same Postgres server: BENCH_JOBS noop jobs, BENCH_CONCURRENCY adds in flight, one runner at
 * concurrency 1 per agent. Concurrency 1 stands for agents that have room for 1,000 CPUs because
 * a noop job takes no time: a worker is busy only while it claims a job and records its end, the
 * work that bounds both systems here, not a slot held by a running task. It prints the anchor's jobs/s and the ratio Shoal / graphile-worker
 * (goal ≥ 1.0×). The anchor runs after the cluster is stopped, so neither shares the machine with
 * the other.
 *
 * BENCH_JOBS (default 2000), BENCH_AGENTS (10) and BENCH_CONCURRENCY (32 submissions in flight)
 * set the load. A high concurrency (e.g. 512) submits faster than the cluster drains, so it
 * measures the cluster's throughput with a backlog; 32 measures it at moderate latency.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm --filter @shoal/bench bench:placement
 */
import { printAnchor, runGraphileAnchor } from './anchor-graphile.js';
import { startBenchCluster } from './bench-cluster.js';
import { printCpu, startCpuAccount } from './cpu.js';
import { positiveIntEnv } from './env.js';
import { printPlacementRun, runPlacement } from './placement-run.js';

const JOBS = positiveIntEnv('BENCH_JOBS', 2_000);
const AGENTS = positiveIntEnv('BENCH_AGENTS', 10);
const CONCURRENCY = positiveIntEnv('BENCH_CONCURRENCY', 32);

/** Runs the Shoal side and returns its placements/s. */
async function placeOnShoal(): Promise<number> {
  const cluster = await startBenchCluster({ name: 'place', agents: AGENTS });
  try {
    const cpu = startCpuAccount(cluster.cpuParts());
    const run = await runPlacement(cluster.api, { label: 'placement', jobs: JOBS, concurrency: CONCURRENCY });
    printPlacementRun(run, AGENTS);
    printCpu(cpu.finish(), run.completed);
    console.log(`target (>= 2000 placements/s): ${run.rate >= 2000 ? 'met' : 'NOT met'}`);
    return run.rate;
  } finally {
    await cluster.stop();
  }
}

const shoalRate = await placeOnShoal();
const anchor = { jobs: JOBS, concurrency: CONCURRENCY, slots: Array<number>(AGENTS).fill(1), taskMs: 0 };
printAnchor(anchor, await runGraphileAnchor(anchor), { rate: shoalRate, unit: 'placements/s' });
