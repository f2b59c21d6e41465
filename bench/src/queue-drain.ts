/**
 * Benchmark: draining a queue. N noop batch jobs (each with a QueueTimeout, so a job that finds no
 * room waits Queued instead of failing) go to 10 agents at their DEFAULT capacity and queue: unlike
 * bench:placement, capacity is what limits the cluster, and most jobs wait in the queue until
 * earlier ones finish. Prints how many completed and failed (with the failures' messages), the
 * time to drain and the drain rate, and each job's wait to be placed.
 *
 * A noop task finishes at once unless given a `Delay`, and then it holds its CPU reservation for
 * that long. BENCH_TASK_MS (default 500) is that delay: long enough that the agents' few slots
 * are full while thousands of jobs are submitted (the queue really fills), short enough that the
 * run drains in about a minute. The jobs keep the API's default resources (500m CPU), so an agent
 * that offers 1.6 cores (0.8 of a 2-core host) runs 4 at a time (2.4 with the 1.5 overcommit).
 *
 * It never throws on failed jobs or a missed deadline: showing them is the point.
 *
 * Then, in the same run, the graphile-worker anchor (anchor-graphile.ts) drains the same queue on
 * the same Postgres server: BENCH_JOBS jobs added BENCH_CONCURRENCY at a time, each task waiting
 * BENCH_TASK_MS, one runner per agent. graphile-worker has no notion of capacity; a runner's
 * concurrency is the nearest thing, so each runner runs as many jobs at once as its agent has
 * slots (4 on a 1.6-CPU agent). Runners at concurrency 1 would cap the anchor at a quarter of
 * Shoal's capacity bound, and the ratio would measure that setting instead of the two systems.
 * It prints the anchor's completed/s and the ratio Shoal / graphile-worker (goal ≥ 1.0×).
 *
 * BENCH_JOBS (default 2000), BENCH_AGENTS (10), BENCH_CONCURRENCY (32 submissions in flight),
 * BENCH_TASK_MS (500), BENCH_DEADLINE_S (600: how long to wait for every job to end).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm --filter @shoal/bench bench:queue-drain
 */
import { bookableUnits, capacityUnits, DEFAULT_OVERCOMMIT, NO_CAPACITY, taskCapacity } from '@shoal/models';
import { WaitTimeoutError } from '@shoal/testkit';
import { printAnchor, runGraphileAnchor } from './anchor-graphile.js';
import { startBenchCluster } from './bench-cluster.js';
import { positiveIntEnv } from './env.js';
import { type JobRow, listAll, retriedNote, submitAll, waitAllTerminal } from './jobs-client.js';
import { countStates, printDrainReport } from './queue-drain-report.js';

const JOBS = positiveIntEnv('BENCH_JOBS', 2_000);
const AGENTS = positiveIntEnv('BENCH_AGENTS', 10);
const CONCURRENCY = positiveIntEnv('BENCH_CONCURRENCY', 32);
const TASK_MS = positiveIntEnv('BENCH_TASK_MS', 500);
const DEADLINE_S = positiveIntEnv('BENCH_DEADLINE_S', 600);
const LABEL = 'queue-drain';
const PROGRESS_EVERY_MS = 10_000;

/** Runs the Shoal side; returns its completed jobs/s and each agent's slots. */
async function drainOnShoal(): Promise<{ rate: number; slots: number[] }> {
  const cluster = await startBenchCluster({ name: 'drain', agents: AGENTS, capacity: 'host' });
  const { api, nodes } = cluster;
  try {
    const maxes = nodes.map((n) => n.Info.ComputeNodeInfo?.MaxCapacity ?? NO_CAPACITY);
    // Tasks the cluster runs at once: orchestrator and agents both book CPU up to the overcommit
    // (the default: the bench passes no flag), each task the API's default CPU.
    const task = capacityUnits(taskCapacity(undefined), 'CPU');
    const perAgent = maxes.map((max) => Math.floor(bookableUnits(max, 'CPU', DEFAULT_OVERCOMMIT) / task));
    const slots = perAgent.reduce((sum, n) => sum + n, 0);
    // What waits on the nodes beyond that (their default queue), started there as a slot frees.
    const queued = nodes.reduce((sum, n) => {
      const queue = n.Info.ComputeNodeInfo?.QueueCapacity ?? NO_CAPACITY;
      return sum + Math.floor(capacityUnits(queue, 'CPU') / task);
    }, 0);
    console.log(
      `${JOBS} noop jobs (Delay ${TASK_MS} ms, QueueTimeout 3600 s, ${task / 1000} CPU each) on ${AGENTS} agents at their default capacity (${[...new Set(maxes.map((m) => m.CPU))].join('/')} CPU each, overcommit ${DEFAULT_OVERCOMMIT}: ${slots} tasks at a time in all, and ${queued} more waiting on the nodes)`,
    );
    const job = {
      Type: 'batch',
      Labels: { bench: LABEL },
      Tasks: [
        {
          Name: 'main',
          Engine: { Type: 'noop', Params: { Stdout: 'ok', Delay: `${TASK_MS}ms` } },
          Timeouts: { QueueTimeout: 3600 },
        },
      ],
    };
    const started = performance.now();
    const retried = await submitAll(api, job, JOBS, CONCURRENCY);
    const submittedS = (performance.now() - started) / 1000;
    console.log(
      `submitted in ${submittedS.toFixed(1)} s (${(JOBS / submittedS).toFixed(0)} jobs/s)${retriedNote(retried)}`,
    );

    // A line every 10 s or so shows the queue draining; the peak is kept for the summary.
    let peakQueued = 0;
    let nextProgress = PROGRESS_EVERY_MS;
    const onPoll = (jobs: JobRow[]) => {
      const counts = countStates(jobs);
      peakQueued = Math.max(peakQueued, counts.get('Queued') ?? 0);
      const at = performance.now() - started;
      if (at < nextProgress) return;
      nextProgress = at + PROGRESS_EVERY_MS;
      const shown = [...counts].map(([state, n]) => `${state} ${n}`).join(', ');
      console.log(`  ${(at / 1000).toFixed(0)} s: ${shown}`);
    };
    let jobs: JobRow[];
    let finished = true;
    try {
      jobs = await waitAllTerminal(api, LABEL, JOBS, { timeoutMs: DEADLINE_S * 1000, onPoll });
    } catch (error) {
      if (!(error instanceof WaitTimeoutError)) throw error;
      finished = false;
      jobs = await listAll(api, LABEL);
    }
    const wallS = (performance.now() - started) / 1000;
    const boundPerS = (slots * 1000) / TASK_MS;
    const rate = await printDrainReport({
      api,
      jobs,
      expected: JOBS,
      finished,
      deadlineS: DEADLINE_S,
      wallS,
      peakQueued,
      boundPerS,
      slots,
      taskMs: TASK_MS,
    });
    return { rate, slots: perAgent };
  } finally {
    await cluster.stop();
  }
}

const shoal = await drainOnShoal();
const anchor = { jobs: JOBS, concurrency: CONCURRENCY, slots: shoal.slots, taskMs: TASK_MS };
printAnchor(anchor, await runGraphileAnchor(anchor), { rate: shoal.rate, unit: 'completed/s' });
