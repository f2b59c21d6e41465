/**
 * Benchmark: `PUT /jobs` and `GET /jobs/:id` against an orchestrator on Postgres holding 10,000
 * jobs. Prints throughput and p50/p99 latency; the target is p99 ≤ 10 ms for GET at 2,000 req/s.
 *
 * The GET target is measured at a steady rate (open-loop.ts: each request at its own slot, its
 * latency counted from the slot), after a warm-up at the same rate: the first seconds of load on a
 * fresh orchestrator are much slower (docs/performance.md), and the target is about the steady
 * state.
 * The warm-up's figures are printed too. BENCH_WARMUP_S (default 10).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm --filter @shoal/bench bench:api
 *
 * The orchestrator runs as its own process (./shoal serve), as users run it.
 */
import { createTestDatabase, makeTempDir, waitFor } from '@shoal/testkit';
import autocannon from 'autocannon';
import { positiveIntEnv } from './env.js';
import { type OpenLoopResult, openLoopGets } from './open-loop.js';
import { startOrchestratorProcess } from './orchestrator-process.js';

const JOBS = positiveIntEnv('BENCH_JOBS', 10_000);
const GET_RATE = positiveIntEnv('BENCH_GET_RATE', 2_000);
const DURATION_S = positiveIntEnv('BENCH_DURATION_S', 10);
const WARMUP_S = positiveIntEnv('BENCH_WARMUP_S', 10);

const jobBody = (i: number) =>
  JSON.stringify({
    Job: {
      Name: `bench-${i}`,
      Type: 'batch',
      Labels: { bench: 'api', shard: String(i % 10) },
      Tasks: [{ Name: 'main', Engine: { Type: 'noop', Params: { Stdout: 'ok' } } }],
    },
  });

function reportSteady(title: string, r: OpenLoopResult): void {
  console.log(
    `${title}: ${r.ok} of ${r.sent} answered 200 = ${r.rate.toFixed(0)} req/s, ` +
      `latency p50 ${r.p50} ms, p90 ${r.p90} ms, p99 ${r.p99} ms, max ${r.max} ms, failed ${r.failed}; ` +
      `this process sent its requests late by up to ${r.sendLagP99} ms (p99)`,
  );
}

function report(title: string, r: autocannon.Result): void {
  const l = r.latency;
  console.log(
    `${title}: ${r.requests.total} requests in ${r.duration.toFixed(1)} s = ${r.requests.average.toFixed(0)} req/s, ` +
      `latency p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, max ${l.max} ms, ` +
      `errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}`,
  );
}

async function main(): Promise<void> {
  const db = await createTestDatabase({ prefix: 'shoal_bench' });
  const dataDir = await makeTempDir('shoal-bench-');
  const server = await startOrchestratorProcess({ dbUrl: db.url, dataDir: dataDir.path });
  const url = server.url;
  try {
    let n = 0;
    const ids: string[] = [];
    const put = await autocannon({
      url: `${url}/api/v1/orchestrator/jobs`,
      connections: 16,
      amount: JOBS,
      requests: [
        {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          setupRequest: (req) => ({ ...req, body: jobBody(n++) }),
          onResponse: (status, body) => {
            if (status === 200) ids.push((JSON.parse(body) as { JobID: string }).JobID);
          },
        },
      ],
    });
    report(`PUT /api/v1/orchestrator/jobs (${JOBS} jobs, 16 connections)`, put);
    if (ids.length !== JOBS) throw new Error(`only ${ids.length} of ${JOBS} jobs were created`);

    // Every submission also queues an evaluation (no agents here: each job fails with "no nodes are
    // connected"). Measure reads once that background work has drained.
    const lastId = ids.at(-1) as string;
    await waitFor(
      async () => {
        const res = await fetch(`${url}/api/v1/orchestrator/jobs/${lastId}`);
        return !(await res.text()).includes('"StateType":"Pending"');
      },
      { timeoutMs: 300_000, intervalMs: 500, message: 'evaluations did not drain' },
    );

    const pick = () => ids[Math.floor(Math.random() * ids.length)] as string;
    const getRequests = [
      {
        setupRequest: (req: autocannon.Request) => ({ ...req, path: `/api/v1/orchestrator/jobs/${pick()}` }),
      },
    ];
    const steady = (durationS: number) =>
      openLoopGets({
        url,
        path: () => `/api/v1/orchestrator/jobs/${pick()}`,
        rate: GET_RATE,
        durationS,
        connections: 64,
      });
    reportSteady(
      `GET /api/v1/orchestrator/jobs/:id at a steady ${GET_RATE} req/s, warm-up (of ${JOBS} jobs)`,
      await steady(WARMUP_S),
    );
    const paced = await steady(DURATION_S);
    reportSteady(`GET /api/v1/orchestrator/jobs/:id at a steady ${GET_RATE} req/s (of ${JOBS} jobs)`, paced);
    const flat = await autocannon({ url, connections: 32, duration: DURATION_S, requests: getRequests });
    report('GET /api/v1/orchestrator/jobs/:id at full speed (32 connections)', flat);
    const list = await autocannon({
      url: `${url}/api/v1/orchestrator/jobs?limit=10&labels=shard%3D3`,
      connections: 16,
      duration: 5,
    });
    report('GET /api/v1/orchestrator/jobs?limit=10&labels=shard=3', list);
    const verdict =
      paced.p99 <= 10 && paced.rate >= GET_RATE * 0.95 && paced.failed === 0 ? 'met' : 'NOT met';
    console.log(`target (GET p99 <= 10 ms at ${GET_RATE} req/s): ${verdict}`);
  } finally {
    await server.stop();
    await db.drop();
    await dataDir.cleanup();
  }
}

await main();
