/**
 * Resident memory of the processes a user runs, as `ps` shows it: an orchestrator on its default
 * embedded store (PGlite) with 10,000 jobs stored, and a compute agent idle. Both are real
 * `./shoal serve` processes; the jobs are noop jobs submitted through the API and run to completion
 * by the agent, so the store holds what a cluster's history holds.
 *
 *   pnpm --filter @shoal/bench bench:memory          BENCH_JOBS=10000 (default) BENCH_CONCURRENCY=32
 *                                                    BENCH_STORE=pglite|postgres (default both)
 *
 * Prints the agent's RSS idle before any job, the orchestrator's RSS right after start, once every
 * job is stored and completed, and again after the jobs were listed page by page (the API's
 * biggest reads), each against its goal, with its V8 heap and external memory at that point, and
 * the CPU time it spent on the jobs. Then the same orchestrator figures on Postgres (DATABASE_URL,
 * a database of its own), where the store's memory is not in the process.
 *
 * `./shoal` runs the TypeScript sources when the bundle is older than a source file, which costs
 * about 90 MB more per process: rebuild it (`node apps/cli/scripts/bundle.mjs`) right before.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createTestDatabase,
  getFreePort,
  killOnExit,
  makeTempDir,
  stopProcess,
  waitFor,
} from '@shoal/testkit';
import { positiveIntEnv } from './env.js';
import { listAll, submitAll, waitAllTerminal } from './jobs-client.js';
import { startOrchestratorProcess } from './orchestrator-process.js';

const JOBS = positiveIntEnv('BENCH_JOBS', 10_000);
/** `pglite`, `postgres` or both (unset): one store's figures without waiting for the other's. */
const STORES = process.env.BENCH_STORE;
const CONCURRENCY = positiveIntEnv('BENCH_CONCURRENCY', 32);
const ORCHESTRATOR_GOAL_MB = 200;
const AGENT_GOAL_MB = 100;
const shoal = fileURLToPath(new URL('../../shoal', import.meta.url));

/** VmRSS of a process, in MiB. */
function rssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? Number.NaN) / 1024;
}

/** User and system CPU time a process has used, in seconds (/proc's clock ticks are 1/100 s). */
function cpuSeconds(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Where an orchestrator's memory is, from its /metrics (prom-client's process metrics): V8's heap
 * in use and reserved, and the memory V8 knows of outside it (buffers, and PGlite's WebAssembly
 * memory, counted whole although only the pages Postgres touched are resident).
 */
async function breakdown(url: string): Promise<string> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const mb = (name: string) => {
    const value = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];
    return value === undefined ? '?' : (Number(value) / 2 ** 20).toFixed(0);
  };
  return `heap ${mb('nodejs_heap_size_used_bytes')} used of ${mb('nodejs_heap_size_total_bytes')}, external ${mb('nodejs_external_memory_bytes')} MB`;
}

/** The highest RSS seen over `ms`, sampled every 100 ms: a settled figure, not one instant. */
async function settledRss(pid: number | undefined, ms = 3_000): Promise<number> {
  let peak = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    peak = Math.max(peak, rssMb(pid));
    await new Promise((r) => setTimeout(r, 100));
  }
  return peak;
}

const line = (what: string, mb: number, goal: number) =>
  `${what}: ${mb.toFixed(0)} MB RSS (goal ≤ ${goal} MB: ${mb <= goal ? 'met' : 'not met'})`;

/** An orchestrator's settled RSS and where its memory is at the end of those 3 s. */
interface Settled {
  rss: number;
  heap: string;
}

async function settled(orchestrator: { pid: number | undefined; url: string }): Promise<Settled> {
  const rss = await settledRss(orchestrator.pid);
  return { rss, heap: await breakdown(orchestrator.url) };
}

interface Figures {
  started: Settled;
  stored: Settled;
  listed: Settled;
  agentIdle: number;
  agentAfter: number;
  seconds: number;
  /** The orchestrator's CPU time from the first submission to the last job's end. */
  cpuSeconds: number;
}

async function measure(dbUrl: string | undefined): Promise<Figures> {
  const dir = await makeTempDir('shoal-bench-memory-');
  const natsPort = await getFreePort();
  const orchestrator = await startOrchestratorProcess({
    dataDir: join(dir.path, 'orchestrator'),
    ...(dbUrl === undefined ? {} : { dbUrl }),
    args: ['--nats-port', String(natsPort)],
  });
  let agent: ReturnType<typeof spawn> | undefined;
  try {
    const started = await settled(orchestrator);
    const tokenFile = join(dir.path, 'orchestrator', 'orchestrator', 'nats', 'join-token');
    const token = readFileSync(tokenFile, 'utf8').trim();
    agent = killOnExit(
      spawn(
        shoal,
        [
          ...['serve', '--compute', '--nats-url', `nats://127.0.0.1:${natsPort}`, '--join-token', token],
          ...['--engines', 'noop', '--name', 'memory-agent', '--data-dir', join(dir.path, 'agent')],
          ...['--cpu', '1000', '--log-level', 'warn'],
        ],
        { stdio: ['ignore', 'inherit', 'inherit'] },
      ),
    );
    await waitFor(
      async () => {
        const res = await fetch(`${orchestrator.url}/api/v1/orchestrator/nodes`);
        const body = (await res.json()) as { Nodes: { Connection: string }[] };
        return body.Nodes.some((n) => n.Connection === 'CONNECTED');
      },
      { timeoutMs: 60_000, message: 'the agent to connect' },
    );
    const agentIdle = await settledRss(agent.pid);
    const job = {
      Name: 'memory',
      Type: 'batch',
      Count: 1,
      Labels: { bench: 'memory' },
      Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: {} } }],
    };
    const t0 = performance.now();
    const cpu0 = cpuSeconds(orchestrator.pid);
    await submitAll(orchestrator.url, job, JOBS, CONCURRENCY);
    await waitAllTerminal(orchestrator.url, 'memory', JOBS, { timeoutMs: 30 * 60_000 });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(orchestrator.pid) - cpu0;
    const stored = await settled(orchestrator);
    await listAll(orchestrator.url, 'memory');
    const listed = await settled(orchestrator);
    const agentAfter = await settledRss(agent.pid);
    return { started, stored, listed, agentIdle, agentAfter, seconds, cpuSeconds: cpu };
  } finally {
    if (agent) await stopProcess(agent);
    await orchestrator.stop();
    await dir.cleanup();
  }
}

function report(store: string, f: Figures): void {
  console.log(
    `${store}: ${JOBS} noop jobs submitted and completed in ${f.seconds.toFixed(1)} s, ${f.cpuSeconds.toFixed(1)} s of the orchestrator's CPU`,
  );
  console.log(`${store}: orchestrator at start: ${f.started.rss.toFixed(0)} MB RSS (${f.started.heap})`);
  const stored = line(`${store}: orchestrator with ${JOBS} jobs stored`, f.stored.rss, ORCHESTRATOR_GOAL_MB);
  console.log(`${stored} (${f.stored.heap})`);
  const listed = line(`${store}: orchestrator after listing them all`, f.listed.rss, ORCHESTRATOR_GOAL_MB);
  console.log(`${listed} (${f.listed.heap})`);
  console.log(line(`${store}: agent idle`, f.agentIdle, AGENT_GOAL_MB));
  console.log(`${store}: agent after ${JOBS} jobs: ${f.agentAfter.toFixed(0)} MB RSS`);
}

if (STORES !== 'postgres') report('PGlite', await measure(undefined));
if (STORES !== 'pglite' && process.env.DATABASE_URL) {
  const database = await createTestDatabase({ prefix: 'shoal_bench_memory' });
  try {
    report('Postgres', await measure(database.url));
  } finally {
    await database.drop();
  }
} else if (STORES !== 'pglite') {
  console.log('Postgres: skipped (set DATABASE_URL)');
}
