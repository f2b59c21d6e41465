import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CpuPart, pidsMatching, startCpuAccount } from '../cpu.js';
import { percentile } from '../jobs-client.js';
import { figure, latencies, ms, note, seconds, verdict } from './report.js';
import { connectedNow, type Timings, timeGets } from './scale-api.js';
import type { ScaleSystem } from './system.js';

/** Figures 1 and 2: what N heartbeating nodes cost the orchestrator, and the node list's latency. */

export interface NodesConfig {
  nodes: number;
  perConnection: number;
  /** Nodes that start per second; 0: all at once. */
  joinPerSecond: number;
  heartbeatMs: number;
  connectTimeoutMs: number;
  steadyMs: number;
  listRequests: number;
}

const SAMPLE_MS = 10;

/**
 * The orchestrator's CPU while N nodes heartbeat and nothing else happens. It runs in this process
 * and the simulator in another, so process.cpuUsage() here is the orchestrator's (its HTTP server,
 * NATS client, node manager, per-node senders and Postgres client, plus this benchmark's idle
 * loop); Postgres and nats-server are read from /proc.
 */
export async function steadyState(sys: ScaleSystem, c: NodesConfig): Promise<void> {
  // Let the handshakes' evaluations and the first heartbeats settle before measuring.
  await sleep(c.heartbeatMs);
  const parts: CpuPart[] = [
    { name: 'simulator', find: () => (sys.sim.pid === undefined ? [] : [sys.sim.pid]) },
    { name: 'Postgres', find: () => pidsMatching('postgres: ', ` ${sys.database} `) },
    { name: 'nats-server', find: () => pidsMatching('nats-server', `-p ${sys.nats.port}`) },
  ];
  const loop = monitorEventLoopDelay({ resolution: SAMPLE_MS });
  const before = await sys.sim.call({ op: 'stats' });
  const others = startCpuAccount(parts);
  const cpu = process.cpuUsage();
  const started = performance.now();
  loop.enable();
  await sleep(c.steadyMs);
  loop.disable();
  const used = process.cpuUsage(cpu);
  const wallS = (performance.now() - started) / 1000;
  const after = await sys.sim.call({ op: 'stats' });
  const cores = (used.user + used.system) / 1e6 / wallS;
  figure(
    `orchestrator CPU, steady state, ${c.nodes} nodes`,
    '< 1 core',
    `${cores.toFixed(2)} cores over ${wallS.toFixed(0)} s: ${verdict(cores < 1)}`,
  );
  const beats = after.heartbeats - before.heartbeats;
  const failed = after.heartbeatFailures - before.heartbeatFailures;
  note(
    `heartbeats answered ${(beats / wallS).toFixed(0)}/s (every ${seconds(c.heartbeatMs)} per node), failed ${failed}`,
  );
  const rest = others
    .finish()
    .map((p) => `${p.name} ${p.seconds === undefined ? '?' : (p.seconds / wallS).toFixed(2)}`);
  note(`other processes, cores: ${rest.join(', ')}`);
  // The histogram holds the time between its timer's ticks: the delay is what exceeds the period.
  const delay = (p: number) => ms(Math.max(0, loop.percentile(p) / 1e6 - SAMPLE_MS));
  const lag = `p50 ${delay(50)}, p99 ${delay(99)}`;
  note(`orchestrator event-loop delay: ${lag}; simulator RSS ${(after.rssBytes / 2 ** 20).toFixed(0)} MiB`);
  note(`CONNECTED at the end: ${await connectedNow(sys.api)} of ${c.nodes}`);
}

/** GET /api/v1/orchestrator/nodes with N nodes, one request at a time, while they heartbeat. */
export async function nodeListLatency(sys: ScaleSystem, c: NodesConfig): Promise<void> {
  const path = '/api/v1/orchestrator/nodes';
  const page = await timeGets(sys.api, path, c.listRequests, 1);
  const p99 = percentile(page.ok, 0.99);
  const met = page.refused.size === 0 && p99 <= 100;
  figure(
    `GET ${path} (default page of 100), ${c.nodes} nodes, ${c.listRequests} requests`,
    'p99 ≤ 100 ms',
    `${describeTimings(page)}: ${verdict(met)}`,
  );
  const big = await timeGets(sys.api, `${path}?limit=1000`, Math.max(1, Math.floor(c.listRequests / 4)), 1);
  figure(`GET ${path}?limit=1000`, '', describeTimings(big));
}

function describeTimings(t: Timings): string {
  const refused = [...t.refused].map(([status, n]) => `${n} answered ${status}`).join(', ');
  return [t.ok.length > 0 ? latencies(t.ok) : 'none answered 200', refused].filter(Boolean).join('; ');
}
