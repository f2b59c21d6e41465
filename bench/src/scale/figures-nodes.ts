import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CpuPart, pidsMatching, startCpuAccount } from '../cpu.js';
import { percentile } from '../jobs-client.js';
import { figure, latencies, ms, note, seconds, verdict } from './report.js';
import { countConnected, timeGets } from './scale-api.js';
import type { ScaleSystem } from './system.js';

/** Figures 1 and 2: N nodes join and heartbeat; what that costs the orchestrator; the node list. */

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
 * Starts the fleet and waits until the API lists every node CONNECTED and every node has had its
 * handshake answered (a node the orchestrator stored may not have heard so yet: its reply can come
 * after the node's 5 s timeout, and then it asks again). Returns how many the API lists.
 */
export async function connectFleet(sys: ScaleSystem, c: NodesConfig): Promise<number> {
  const started = performance.now();
  const { nodes, perConnection, joinPerSecond } = c;
  await sys.sim.call({
    op: 'start',
    options: { url: sys.nats.url, nodes, perConnection, joinPerSecond, prefix: 'n-sim' },
  });
  const connections = Math.ceil(c.nodes / c.perConnection);
  const pace =
    joinPerSecond > 0 ? `${joinPerSecond} nodes/s start handshaking` : 'all start handshaking at once';
  note(
    `simulator: ${c.nodes} nodes on ${connections} NATS connection${connections === 1 ? '' : 's'}; ${pace}`,
  );
  let connected = 0;
  let listed = '';
  let apiAt: number | undefined;
  let nodesAt: number | undefined;
  let lastLine = started;
  while ((apiAt === undefined || nodesAt === undefined) && performance.now() - started < c.connectTimeoutMs) {
    await sleep(1_000);
    // A failed count keeps the last one; the progress line says why it failed.
    listed = await countConnected(sys.api).then(
      (n) => {
        connected = n;
        return `${n} CONNECTED`;
      },
      (error: unknown) => `unanswered (${String(error).slice(0, 80)})`,
    );
    const s = await sys.sim.call({ op: 'stats' });
    const now = performance.now();
    if (apiAt === undefined && connected === c.nodes) apiAt = now - started;
    if (nodesAt === undefined && s.accepted === c.nodes) nodesAt = now - started;
    if (now - lastLine >= 15_000) {
      lastLine = now;
      const failed = `${s.handshakeFailures} failed or unanswered`;
      note(`${seconds(now - started)}: API ${listed}; ${s.accepted} nodes accepted, ${failed}`);
    }
  }
  const took = seconds(performance.now() - started);
  const measured =
    apiAt === undefined
      ? `${connected} of ${c.nodes} after ${took} (gave up)`
      : `${c.nodes} in ${seconds(apiAt)}`;
  figure(`${c.nodes} nodes CONNECTED in the API`, '', measured);
  const s = await sys.sim.call({ op: 'stats' });
  const answered = nodesAt === undefined ? `${s.accepted} after ${took}` : `all after ${seconds(nodesAt)}`;
  note(
    `handshake answered Accepted on the nodes: ${answered}; ${s.handshakeFailures} failed or unanswered (each retried)`,
  );
  return connected;
}

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
  const connected = await countConnected(sys.api);
  note(`still CONNECTED at the end: ${connected} of ${c.nodes}`);
}

/** GET /api/v1/orchestrator/nodes with N nodes, one request at a time, while they heartbeat. */
export async function nodeListLatency(sys: ScaleSystem, c: NodesConfig): Promise<void> {
  const path = '/api/v1/orchestrator/nodes';
  const page = await timeGets(sys.api, path, c.listRequests, 1);
  const p99 = percentile(page, 0.99);
  figure(
    `GET ${path} (default page of 100), ${c.nodes} nodes, ${c.listRequests} requests`,
    'p99 ≤ 100 ms',
    `${latencies(page)}: ${verdict(p99 <= 100)}`,
  );
  const big = await timeGets(sys.api, `${path}?limit=1000`, Math.max(1, Math.floor(c.listRequests / 4)), 1);
  figure(`GET ${path}?limit=1000`, '', latencies(big));
}
