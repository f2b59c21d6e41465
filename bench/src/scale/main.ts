/**
 * Benchmark: the orchestrator with thousands of nodes. A node simulator (sim-*.ts: many nodes in
 * one child process, each with its own node id, speaking the real protocol over shared NATS
 * connections) stands in for the agents; the orchestrator runs in this process on a fresh
 * Postgres database, with an open nats-server started here (see system.ts for why not its own).
 * Prints, without asserting:
 *
 *   1. N nodes handshake and heartbeat: time until the API lists all CONNECTED, then the
 *      orchestrator's CPU in steady state (goal < 1 core)
 *   2. GET /api/v1/orchestrator/nodes latency with N nodes (goal p99 ≤ 100 ms)
 *   3. noop jobs placed among N nodes: time until all Completed, placements/s
 *   4. concurrent submissions: every acknowledged job stored and run exactly once
 *   5. a reconnect storm: nats-server restarted under SHOAL_BENCH_STORM_NODES nodes, time until all
 *      are CONNECTED again (goal ≤ 60 s), with jobs in flight neither lost nor doubled
 *
 * Sizes (defaults): SHOAL_BENCH_NODES (10000), SHOAL_BENCH_NODES_PER_CONNECTION (250),
 * SHOAL_BENCH_DISCONNECT_TIMEOUT_S (20: heartbeats every 5 s), SHOAL_BENCH_STEADY_S (30),
 * SHOAL_BENCH_LIST_REQUESTS (200), SHOAL_BENCH_JOBS (200), SHOAL_BENCH_BURST (1000),
 * SHOAL_BENCH_STORM_NODES (1000), SHOAL_BENCH_STORM_JOBS (100), SHOAL_BENCH_STORM_DELAY (10s),
 * SHOAL_BENCH_TIMEOUT_S (900, for each wait), SHOAL_BENCH_JOIN_RATE (100 nodes start handshaking a
 * second; 0: all at the same moment), SHOAL_BENCH_FIGURES (1,2,3,4,5), SHOAL_BENCH_LOG_LEVEL
 * (warn: the orchestrator's lines are counted, see orchestrator-log.ts).
 * `bench:scale:smoke` runs it with 50 nodes and 20 jobs.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm --filter @shoal/bench bench:scale
 */
import { positiveIntEnv } from '../env.js';
import { connectFleet } from './figure-join.js';
import { reconnectStorm } from './figure-storm.js';
import { burst, placement } from './figures-jobs.js';
import { nodeListLatency, steadyState } from './figures-nodes.js';
import { machine, printTable, section } from './report.js';
import { startScaleSystem } from './system.js';

const NODES = positiveIntEnv('SHOAL_BENCH_NODES', 10_000);
const TIMEOUT_MS = positiveIntEnv('SHOAL_BENCH_TIMEOUT_S', 900) * 1000;
const DISCONNECT_MS = positiveIntEnv('SHOAL_BENCH_DISCONNECT_TIMEOUT_S', 20) * 1000;
const logLevel = process.env.SHOAL_BENCH_LOG_LEVEL || 'warn';
/** Which figures to run, e.g. "1,2" to look at joining alone; 3-5 need 1. */
const FIGURES = new Set((process.env.SHOAL_BENCH_FIGURES || '1,2,3,4,5').split(',').map((f) => f.trim()));

const nodesConfig = {
  nodes: NODES,
  perConnection: positiveIntEnv('SHOAL_BENCH_NODES_PER_CONNECTION', 250),
  // 0 is allowed here: every node handshakes at the same moment.
  joinPerSecond: process.env.SHOAL_BENCH_JOIN_RATE === '0' ? 0 : positiveIntEnv('SHOAL_BENCH_JOIN_RATE', 100),
  // The orchestrator asks for four heartbeats per disconnect timeout (nodes/settings.ts).
  heartbeatMs: DISCONNECT_MS / 4,
  connectTimeoutMs: TIMEOUT_MS,
  steadyMs: positiveIntEnv('SHOAL_BENCH_STEADY_S', 30) * 1000,
  listRequests: positiveIntEnv('SHOAL_BENCH_LIST_REQUESTS', 200),
};
const jobsConfig = {
  nodes: NODES,
  jobs: positiveIntEnv('SHOAL_BENCH_JOBS', 200),
  burst: positiveIntEnv('SHOAL_BENCH_BURST', 1_000),
  timeoutMs: TIMEOUT_MS,
};

console.log(`bench:scale on ${machine()}`);
console.log(
  `${NODES} simulated nodes, ${nodesConfig.perConnection} per NATS connection, node disconnect timeout ${DISCONNECT_MS / 1000} s (heartbeats every ${nodesConfig.heartbeatMs / 1000} s)`,
);
console.log(
  'orchestrator in this process (Postgres, --nats-url to an open nats-server started here: the ' +
    "orchestrator's own nats-server reloads its user list at every node join); simulator in a child process",
);

const sys = await startScaleSystem({ disconnectTimeoutMs: DISCONNECT_MS, logLevel });
// Interrupted: stop the simulator, nats-server and the database rather than leave them behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void sys.stop().finally(() => process.exit(130)));
}
const steps: Array<[string, string, () => Promise<unknown>]> = [
  ['1', '1. orchestrator CPU in steady state', () => steadyState(sys, nodesConfig)],
  ['2', '2. node list', () => nodeListLatency(sys, nodesConfig)],
  ['3', '3. placement', () => placement(sys, jobsConfig)],
  ['4', '4. concurrent submissions', () => burst(sys, jobsConfig)],
];
try {
  // Every figure needs the fleet, so it always joins.
  section('1. nodes join and heartbeat');
  const connected = await connectFleet(sys, nodesConfig);
  sys.log.flush();
  for (const [, title, run] of steps.filter(([id]) => FIGURES.has(id))) {
    section(title);
    await run();
    sys.log.flush();
  }
  if (FIGURES.has('5')) {
    section('5. reconnect storm');
    await reconnectStorm(sys, {
      nodes: connected,
      stormNodes: positiveIntEnv('SHOAL_BENCH_STORM_NODES', 1_000),
      jobs: positiveIntEnv('SHOAL_BENCH_STORM_JOBS', 100),
      delay: process.env.SHOAL_BENCH_STORM_DELAY || '10s',
      timeoutMs: TIMEOUT_MS,
    });
    sys.log.flush();
  }
  printTable();
} finally {
  await sys.stop();
}
