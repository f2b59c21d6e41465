import { setTimeout as sleep } from 'node:timers/promises';
import type { NodesConfig } from './figures-nodes.js';
import { figure, note, seconds } from './report.js';
import { connectedNow } from './scale-api.js';
import type { ScaleSystem } from './system.js';

/**
 * Figure 1, first half: the simulator starts N nodes (all at once, or SHOAL_BENCH_JOIN_RATE a
 * second) and the clock runs until the API lists every one CONNECTED and every node has had its
 * handshake answered. Those two differ: the orchestrator may store a node CONNECTED and answer
 * after the node's 5 s timeout, and the node then asks again.
 *
 * Listing 10,000 nodes costs the orchestrator about as much as a second of their heartbeats, so
 * the API is asked every 10 s while nodes are still joining, and every second once the nodes say
 * they all joined: the API time can read up to 10 s late only if the API got there first.
 */
export async function connectFleet(sys: ScaleSystem, c: NodesConfig): Promise<number> {
  const started = performance.now();
  const { nodes, perConnection, joinPerSecond } = c;
  const options = { url: sys.nats.url, nodes, perConnection, joinPerSecond, prefix: 'n-sim' };
  await sys.sim.call({ op: 'start', options });
  const connections = Math.ceil(nodes / perConnection);
  const pace = joinPerSecond > 0 ? `${joinPerSecond} nodes/s start handshaking` : 'all handshake at once';
  note(`simulator: ${nodes} nodes on ${connections} NATS connection${connections === 1 ? '' : 's'}; ${pace}`);
  let connected = 0;
  let listed = 'not asked yet';
  let apiAt: number | undefined;
  let nodesAt: number | undefined;
  let askedAt = started;
  let printedAt = started;
  while ((apiAt === undefined || nodesAt === undefined) && performance.now() - started < c.connectTimeoutMs) {
    await sleep(1_000);
    const s = await sys.sim.call({ op: 'stats' });
    if (nodesAt === undefined && s.accepted === nodes) nodesAt = performance.now() - started;
    if (apiAt === undefined && (nodesAt !== undefined || performance.now() - askedAt >= 10_000)) {
      askedAt = performance.now();
      listed = await connectedNow(sys.api);
      connected = Number.parseInt(listed, 10) || connected;
      if (connected === nodes) apiAt = performance.now() - started;
    }
    if (performance.now() - printedAt >= 15_000) {
      printedAt = performance.now();
      const failed = `${s.handshakeFailures} failed or unanswered`;
      note(`${seconds(printedAt - started)}: API ${listed}; ${s.accepted} nodes accepted, ${failed}`);
    }
  }
  const took = seconds(performance.now() - started);
  const measured =
    apiAt === undefined
      ? `${connected} of ${nodes} after ${took} (gave up)`
      : `${nodes} in ${seconds(apiAt)}`;
  figure(`${nodes} nodes CONNECTED in the API (${pace})`, '', measured);
  const s = await sys.sim.call({ op: 'stats' });
  const answered = nodesAt === undefined ? `${s.accepted} after ${took}` : `all after ${seconds(nodesAt)}`;
  note(
    `nodes answered Accepted: ${answered}; ${s.handshakeFailures} handshakes failed or unanswered (each retried)`,
  );
  return connected;
}
